/**
 * The call state machine, built on `@preact/signals`:
 * `idle → calling | ringing → active → ended → idle`. Every way out of a call
 * (reject, cancel, timeout, peer gone, network lost, error) passes through
 * `ended`. This file holds the transitions: what each action and each
 * server message does to the call, side by side. What they are made of
 * (the signals, the parts, beginning and ending a call) is `call_base.ts`;
 * the sentences are `words.ts`'s.
 * @module
 */
import {
  type GuestCard,
  isUserId,
  type PayloadOf,
  type ServerMessage,
} from "../../wire/protocol.ts";
import { CallBase } from "./call_base.ts";
import type { MediaWish } from "./media.ts";
import type { Credentials } from "./signaling_client.ts";
import type { AnswerMode } from "./types.ts";
import {
  BAD_OWN_ID,
  BAD_PEER_ID,
  CALLING_SELF,
  CANNOT_RECORD,
  endSentence,
  ownEndSentence,
  SIGNED_OUT,
} from "./words.ts";

export { type CallMachineDeps, ENDED_DISPLAY_MS } from "./call_base.ts";

/** One page's calls: signals to render from, actions to call. */
export class CallMachine extends CallBase {
  /** Signs in under `userId` (open mode). */
  join(userId: string): void {
    const id = userId.trim();
    if (!isUserId(id)) {
      this.notice.value = BAD_OWN_ID;
      return;
    }
    this.notice.value = "";
    this.#open({ userId: id });
  }

  /** Signs in with a token from the page's sign-in link (token mode). */
  joinWithToken(token: string): void {
    this.notice.value = "";
    this.#open({ token });
  }

  /** Joins as a call link's guest, under the name they typed (accounts mode's call links). */
  joinWithLink(secret: string, name: string): void {
    this.notice.value = "";
    this.#open({ link: secret, name });
  }

  /** Signs in once the page's certificate is loaded, so that every call presents it. */
  #open(credentials: Credentials): void {
    const loaded = this.verification.loaded;
    if (!loaded) return this.signaling.open(credentials);
    void loaded.then(() => this.signaling.open(credentials));
  }

  /** Signs in with the session cookie (accounts mode). */
  joinWithSession(): void {
    this.notice.value = "";
    this.#open({ cookie: true });
  }

  /** Signs out, ending any call. */
  leave(): void {
    if (!this.isFree()) this.hangUp();
    this.signaling.close();
    this.notice.value = SIGNED_OUT;
  }

  /** Calls `peer`, with or without video. */
  async call(peer: string, video: boolean): Promise<void> {
    const id = peer.trim();
    // Their call arrived a moment before this press: calling them answers it.
    if (this.state.value === "ringing" && this.peerId.value === id) {
      return this.accept(video ? "full" : "audio-only");
    }
    if (this.signaling.state.value !== "signed-in" || !this.isFree()) return;
    if (!isUserId(id)) {
      this.notice.value = BAD_PEER_ID;
      return;
    }
    if (id === this.signaling.selfId.value) {
      this.notice.value = CALLING_SELF;
      return;
    }
    this.beginCall(id, video);
    this.state.value = "calling";
    if (!await this.#acquire({ video, audio: true })) return;
    this.send({
      type: "call:request",
      payload: { to: id, hasVideo: video, hasAudio: true },
    });
    // The offer goes while it rings: the callee's page prepares, and answers on Accept.
    this.startLink(id, false, true);
  }

  /**
   * Accepts the ringing call. When the camera or microphone fails, the call
   * keeps ringing and `mediaProblem` says why; it can then be answered
   * audio-only or receive-only.
   */
  async accept(mode: AnswerMode = "full"): Promise<void> {
    const peer = this.peerId.value;
    if (this.state.value !== "ringing" || !peer) return;
    const warming = this.warming;
    this.warming = null;
    await warming;
    if (this.state.value !== "ringing") return;
    // What started while it rang was for a full answer.
    if (mode !== "full") this.media.release();
    if (mode !== "receive-only" && !this.media.stream.value) {
      const captured = await this.media.capture({
        video: this.withVideo.value && mode === "full",
        audio: true,
      });
      if (!captured) return;
      if ("problem" in captured) {
        this.mediaProblem.value = captured.problem;
        return;
      }
      this.media.use(captured.stream);
    }
    this.mediaProblem.value = "";
    // The caller's offer came while it rang: the link is ready, and answers now.
    const prepared = this.link;
    if (!prepared) this.startLink(peer, true);
    this.state.value = "active";
    this.send({
      type: "call:response",
      payload: {
        to: peer,
        accepted: true,
        ...(prepared && { prepared: true }),
      },
    });
    if (prepared) {
      if (this.media.stream.value) prepared.addStream(this.media.stream.value);
      void prepared.accepted(true);
    }
  }

  /** Declines the ringing call. */
  decline(): void {
    const peer = this.peerId.value;
    if (this.state.value !== "ringing" || !peer) return;
    this.send({
      type: "call:response",
      payload: { to: peer, accepted: false, reason: "declined" },
    });
    this.end(ownEndSentence("ringing", this.peerName));
  }

  /** Ends the call, cancels an outgoing one, or declines an incoming one. */
  hangUp(): void {
    const peer = this.peerId.value;
    const state = this.state.value;
    if (!peer) return;
    if (state === "ringing") return this.decline();
    if (state !== "calling" && state !== "active") return;
    this.send({
      type: "call:end",
      payload: {
        to: peer,
        reason: state === "calling" ? "cancelled" : "hangup",
      },
    });
    this.end(ownEndSentence(state, this.peerName));
  }

  /** Sends a chat message to the peer, peer to peer; false when it cannot go now. */
  sendChat(text: string): boolean {
    return this.channel.sendChat(this.link, text);
  }

  /** Starts recording the call (both voices, the peer's video), or stops and downloads it. */
  async toggleRecording(): Promise<void> {
    if (this.recording.value) {
      await this.finishRecording();
      return;
    }
    const remote = this.remoteStream.value;
    if (!remote || this.state.value !== "active") return;
    if (!this.recorder.available) {
      this.notice.value = CANNOT_RECORD;
      return;
    }
    this.recorder.start(remote, this.media.stream.value);
    this.publishState();
  }

  /** Handles one call message from the server. */
  handleMessage(message: ServerMessage): void {
    switch (message.type) {
      case "call:request":
        return this.#onRequest(message.payload);
      case "call:response":
        return this.#onResponse(message.payload);
      case "call:end": {
        const { from, reason } = message.payload;
        if (!this.#fromPeer(from)) return;
        // The peer could not make a path: this side's own view may name the cause.
        this.end(
          reason === "ice-failed" && this.link
            ? this.link.failureSentence()
            : endSentence(reason, this.peerName, this.state.value),
        );
        return;
      }
      case "webrtc:offer":
      case "webrtc:answer":
      case "webrtc:candidate":
        if (this.#inCallWith(message.payload.from)) {
          this.link?.receive(message);
        } else if (
          this.state.value === "ringing" &&
          this.peerId.value === message.payload.from &&
          message.type !== "webrtc:answer"
        ) {
          // The caller's early offer: taken now, answered on Accept.
          if (!this.link) this.startLink(message.payload.from, true, true);
          this.link!.receive(message);
        }
        return;
      case "error":
        if (
          this.state.value === "calling" &&
          message.payload.inReplyTo === "call:request"
        ) {
          this.end(message.payload.message);
        } else if (
          !(this.isFree() && message.payload.code === "not-in-call")
        ) {
          // Both sides ended the call at once: the server's "not in a call" to the
          // second hang-up must not hide why the call ended.
          this.notice.value = message.payload.message;
        }
        return;
    }
  }

  #onRequest(payload: PayloadOf<"call:request"> & { guest?: GuestCard }): void {
    const from = payload.from;
    const self = this.signaling.selfId.value ?? "";
    if (
      this.peerId.value === from &&
      (this.state.value === "ringing" || this.state.value === "active")
    ) {
      return; // The same call, rung again after a reconnect.
    }
    if (this.state.value === "calling" && this.peerId.value === from) {
      // Glare: both called at once. The call placed by the lower id stands, on both sides.
      if (from < self) {
        const stream = this.media.stream.value;
        this.beginCall(from, payload.hasVideo);
        if (stream) this.media.use(stream);
        this.state.value = "ringing";
        void this.accept();
      }
      return;
    }
    if (!this.isFree()) {
      this.send({
        type: "call:response",
        payload: { to: from, accepted: false, reason: "busy" },
      });
      return;
    }
    this.beginCall(from, payload.hasVideo, payload.guest);
    this.state.value = "ringing";
    this.warming = this.#startDevicesWhileRinging();
  }

  /**
   * While it rings, the camera and microphone start (unless the person
   * turned that off), so that Accept need not wait for them; nothing is
   * sent before Accept. A device that fails here is asked for again on
   * Accept, which says why.
   */
  async #startDevicesWhileRinging(): Promise<void> {
    if (!this.media.startOnRing.value) return;
    const captured = await this.media.capture({
      video: this.withVideo.value,
      audio: true,
    });
    if (captured && "stream" in captured) this.media.use(captured.stream);
  }

  #onResponse(payload: PayloadOf<"call:response">): void {
    if (this.state.value !== "calling" || !this.#fromPeer(payload.from)) return;
    if (payload.reason === "glare") return; // The peer's call stands; its request comes or came.
    if (!payload.accepted) {
      this.end(
        endSentence(payload.reason ?? "declined", this.peerName, "calling"),
      );
      return;
    }
    this.state.value = "active";
    void this.link?.accepted(payload.prepared === true);
  }

  /** The devices of a call being placed; a problem ends it, in words. */
  async #acquire(wish: MediaWish): Promise<boolean> {
    const captured = await this.media.capture(wish);
    if (!captured) return false;
    if ("problem" in captured) {
      this.end(captured.problem);
      return false;
    }
    this.media.use(captured.stream);
    return true;
  }

  #fromPeer(from: string): boolean {
    return this.peerId.value === from && !this.isFree();
  }

  #inCallWith(from: string): boolean {
    return this.state.value === "active" && this.peerId.value === from;
  }
}
