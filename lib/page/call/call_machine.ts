/**
 * The call state machine, built on `@preact/signals`:
 * `idle → calling | ringing → active → ended → idle`. Every way out of a call
 * (reject, cancel, timeout, peer gone, network lost, error) passes through
 * `ended`, which releases the camera and microphone and closes the peer
 * link, and then returns to `idle`.
 *
 * This file holds the transitions: what each action and each server message
 * does to the call. Its parts live beside it: the camera and microphone in
 * `local_media.ts`, the path to the peer (negotiation, ICE restart, quality)
 * in `peer_link.ts`, chat and the peer's media state in `peer_channel.ts`,
 * recording in `call_recording.ts`, the verification code and this page's
 * key in `call_verification.ts`, the sentences in `words.ts`, and the server
 * connection (reconnect, resume, ICE servers) in `signaling_session.ts`. It
 * is one concept at some 500 lines because every action and every server
 * message is a transition, and a reader should see them side by side.
 * @module
 */
import { computed, signal } from "@preact/signals";
import {
  type ClientMessage,
  isUserId,
  type PayloadOf,
  type ServerMessage,
} from "../../wire/protocol.ts";
import { CallRecording, type CallRecordingDeps } from "./call_recording.ts";
import { CallVerification } from "./call_verification.ts";
import { LocalMedia, type LocalMediaDeps } from "./local_media.ts";
import type { MediaWish } from "./media.ts";
import { PeerChannel } from "./peer_channel.ts";
import { PeerLink, type PeerLinkDeps } from "./peer_link.ts";
import type { CallQuality } from "./quality.ts";
import type { Credentials, SignalingConnector } from "./signaling_client.ts";
import { SignalingSession } from "./signaling_session.ts";
import type { AnswerMode, CallState } from "./types.ts";
import {
  endSentence,
  HINT_USER_ID,
  ownEndSentence,
  RECORDING_CUT_SHORT,
  statusSentence,
} from "./words.ts";

/** What the machine needs from the browser; tests hand in fakes. */
export interface CallMachineDeps
  extends LocalMediaDeps, CallRecordingDeps, PeerLinkDeps {
  connect: SignalingConnector;
  /** A number in [0, 1), for reconnect jitter. */
  random(): number;
  /**
   * Calls `changed` when the device's network changes under the page (the
   * browser's `online` event: an interface went and came, as when a phone
   * leaves Wi-Fi); a browser that does not say is caught by the stall watch.
   */
  watchNetwork?(changed: () => void): void;
  /** This page's lasting DTLS certificate (`certificate_store.ts`); without it each call makes one. */
  loadCertificate?(): Promise<RTCCertificate | null>;
}

/** How long the sentence of an ended call shows before the page is idle again. */
export const ENDED_DISPLAY_MS = 2_000;

/** One page's calls: signals to render from, actions to call. */
export class CallMachine {
  /** The call's state. */
  readonly state = signal<CallState>("idle");
  /** The other party of the current call. */
  readonly peerId = signal<string | null>(null);
  /** Whether the current call has video. */
  readonly withVideo = signal(true);
  readonly remoteStream = signal<MediaStream | null>(null);
  /** The peer connection's state while active. */
  readonly connectionState = signal<RTCPeerConnectionState>("new");
  /** The last thing worth telling the user: why a call ended, what failed. */
  readonly notice = signal("");
  /** Set while ringing when the camera or microphone could not be started. */
  readonly mediaProblem = signal("");
  /** The latest reading of the call's quality. */
  readonly quality = signal<CallQuality | null>(null);
  /** When media first flowed (ms since the epoch), for the call timer. */
  readonly connectedAt = signal<number | null>(null);
  /** The connection to the signaling server. */
  readonly signaling: SignalingSession;
  /** This page's camera, microphone and screen. */
  readonly media: LocalMedia;
  /** The call's chat and the peer's media state. */
  readonly channel = new PeerChannel();
  /** Recording this call. */
  readonly recording;
  /** The call's verification code, and whether the peer's key was verified here. */
  readonly verification: CallVerification;

  /** The call's status in words. */
  readonly status = computed(() =>
    statusSentence({
      state: this.state.value,
      peer: this.peerId.value,
      session: this.signaling.state.value,
      withVideo: this.withVideo.value,
      connection: this.connectionState.value,
      notice: this.notice.value,
      selfId: this.signaling.selfId.value,
    })
  );

  #deps: CallMachineDeps;
  #link: PeerLink | null = null;
  /** The camera and microphone starting while the call rings; Accept waits for it. */
  #warming: Promise<void> | null = null;
  #recorder: CallRecording;
  /** Each call attempt's number; async work of an older one is dropped. */
  #callSeq = 0;
  #idleTimer: unknown = null;

  constructor(deps: CallMachineDeps) {
    this.#deps = deps;
    this.verification = new CallVerification(
      deps.store,
      deps.loadCertificate,
    );
    this.media = new LocalMedia(deps, {
      seq: () => this.#callSeq,
      inCall: () => !this.#isFree(),
      active: () => this.state.value === "active",
      withVideo: () => this.withVideo.value,
      notify: (sentence) => {
        this.notice.value = sentence;
      },
      send: async (kind, track) => await this.#link?.replaceTrack(kind, track),
      changed: () => this.#publishState(),
    });
    this.#recorder = new CallRecording(deps);
    this.recording = this.#recorder.recording;
    this.signaling = new SignalingSession(deps, {
      onMessage: (message) => this.handleMessage(message),
      onReady: (resumed) => {
        const peer = this.peerId.value;
        if (resumed && this.state.value === "active" && peer) {
          this.#send({ type: "call:resume", payload: { to: peer } });
          this.#link?.resumed();
        }
      },
      onSignedOut: (sentence) => {
        if (this.#isFree()) this.notice.value = sentence;
        else this.#end(sentence);
      },
      urgent: () => !this.#isFree(),
    });
    // The old socket and media path may be dead on a network that is gone: both move at
    // once, instead of after the seconds the stall watch and the heartbeat take.
    deps.watchNetwork?.(() => {
      this.#link?.networkChanged();
      this.signaling.reconnectNow();
    });
  }

  /** Signs in under `userId` (open mode). */
  join(userId: string): void {
    const id = userId.trim();
    if (!isUserId(id)) {
      this.notice.value = `Your id must be ${HINT_USER_ID}.`;
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
    if (!this.#isFree()) this.hangUp();
    this.signaling.close();
    this.notice.value = "Signed out.";
  }

  /** Calls `peer`, with or without video. */
  async call(peer: string, video: boolean): Promise<void> {
    const id = peer.trim();
    // Their call arrived a moment before this press: calling them answers it.
    if (this.state.value === "ringing" && this.peerId.value === id) {
      return this.accept(video ? "full" : "audio-only");
    }
    if (this.signaling.state.value !== "signed-in" || !this.#isFree()) return;
    if (!isUserId(id)) {
      this.notice.value = `Enter the id of the user to call: ${HINT_USER_ID}.`;
      return;
    }
    if (id === this.signaling.selfId.value) {
      this.notice.value = "You cannot call yourself.";
      return;
    }
    this.#beginCall(id, video);
    this.state.value = "calling";
    if (!await this.#acquire({ video, audio: true })) return;
    this.#send({
      type: "call:request",
      payload: { to: id, hasVideo: video, hasAudio: true },
    });
    // The offer goes while it rings: the callee's page prepares, and answers on Accept.
    this.#startLink(id, false, true);
  }

  /**
   * Accepts the ringing call. When the camera or microphone fails, the call
   * keeps ringing and `mediaProblem` says why; it can then be answered
   * audio-only or receive-only.
   */
  async accept(mode: AnswerMode = "full"): Promise<void> {
    const peer = this.peerId.value;
    if (this.state.value !== "ringing" || !peer) return;
    const warming = this.#warming;
    this.#warming = null;
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
    const prepared = this.#link;
    if (!prepared) this.#startLink(peer, true);
    this.state.value = "active";
    this.#send({
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
    this.#send({
      type: "call:response",
      payload: { to: peer, accepted: false, reason: "declined" },
    });
    this.#end(ownEndSentence("ringing", peer));
  }

  /** Ends the call, cancels an outgoing one, or declines an incoming one. */
  hangUp(): void {
    const peer = this.peerId.value;
    const state = this.state.value;
    if (!peer) return;
    if (state === "ringing") return this.decline();
    if (state !== "calling" && state !== "active") return;
    this.#send({
      type: "call:end",
      payload: {
        to: peer,
        reason: state === "calling" ? "cancelled" : "hangup",
      },
    });
    this.#end(ownEndSentence(state, peer));
  }

  /** Sends a chat message to the peer, peer to peer; false when it cannot go now. */
  sendChat(text: string): boolean {
    return this.channel.sendChat(this.#link, text);
  }

  /** Starts recording the call (both voices, the peer's video), or stops and downloads it. */
  async toggleRecording(): Promise<void> {
    if (this.recording.value) {
      await this.#finishRecording();
      return;
    }
    const remote = this.remoteStream.value;
    if (!remote || this.state.value !== "active") return;
    if (!this.#recorder.available) {
      this.notice.value = "This browser cannot record calls.";
      return;
    }
    this.#recorder.start(remote, this.media.stream.value);
    this.#publishState();
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
        this.#end(
          reason === "ice-failed" && this.#link
            ? this.#link.failureSentence()
            : endSentence(reason, from, this.state.value),
        );
        return;
      }
      case "webrtc:offer":
      case "webrtc:answer":
      case "webrtc:candidate":
        if (this.#inCallWith(message.payload.from)) {
          this.#link?.receive(message);
        } else if (
          this.state.value === "ringing" &&
          this.peerId.value === message.payload.from &&
          message.type !== "webrtc:answer"
        ) {
          // The caller's early offer: taken now, answered on Accept.
          if (!this.#link) this.#startLink(message.payload.from, true, true);
          this.#link!.receive(message);
        }
        return;
      case "error":
        if (
          this.state.value === "calling" &&
          message.payload.inReplyTo === "call:request"
        ) {
          this.#end(message.payload.message);
        } else if (
          !(this.#isFree() && message.payload.code === "not-in-call")
        ) {
          // Both sides ended the call at once: the server's "not in a call" to the
          // second hang-up must not hide why the call ended.
          this.notice.value = message.payload.message;
        }
        return;
    }
  }

  #onRequest(payload: PayloadOf<"call:request">): void {
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
        this.#beginCall(from, payload.hasVideo);
        if (stream) this.media.use(stream);
        this.state.value = "ringing";
        void this.accept();
      }
      return;
    }
    if (!this.#isFree()) {
      this.#send({
        type: "call:response",
        payload: { to: from, accepted: false, reason: "busy" },
      });
      return;
    }
    this.#beginCall(from, payload.hasVideo);
    this.state.value = "ringing";
    this.#warming = this.#startDevicesWhileRinging();
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
      this.#end(
        endSentence(payload.reason ?? "declined", payload.from, "calling"),
      );
      return;
    }
    this.state.value = "active";
    void this.#link?.accepted(payload.prepared === true);
  }

  /** A new call attempt with `peer`: everything of the last call is reset. */
  #beginCall(peer: string, video: boolean): void {
    if (this.#idleTimer !== null) this.#deps.clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    // A call placed a moment ago that gives way in glare takes its offer with it.
    this.#link?.close();
    this.#link = null;
    this.#warming = null;
    this.peerId.value = peer;
    this.withVideo.value = video;
    this.media.reset();
    this.channel.reset();
    this.verification.reset(peer);
    this.connectionState.value = "new";
    this.notice.value = "";
    this.mediaProblem.value = "";
    this.quality.value = null;
    this.connectedAt.value = null;
    this.#callSeq++;
  }

  /** The devices of a call being placed; a problem ends it, in words. */
  async #acquire(wish: MediaWish): Promise<boolean> {
    const captured = await this.media.capture(wish);
    if (!captured) return false;
    if ("problem" in captured) {
      this.#end(captured.problem);
      return false;
    }
    this.media.use(captured.stream);
    return true;
  }

  #startLink(peer: string, polite: boolean, ringing = false): void {
    const link = new PeerLink(this.#deps, {
      peer,
      polite,
      ringing,
      iceServers: this.signaling.iceServers,
      iceTransportPolicy: this.signaling.iceTransportPolicy,
      certificate: this.verification.certificate,
    }, {
      send: (message) => this.#send(message),
      remoteStream: (stream) => {
        // A renewed connection brings the peer's media on new tracks: the recording of
        // the old ones ends, and its file is handed over.
        if (this.recording.value && this.remoteStream.value !== stream) {
          void this.#finishRecording();
          this.notice.value = RECORDING_CUT_SHORT;
        }
        this.remoteStream.value = stream;
      },
      connectionState: (state) => {
        this.connectionState.value = state;
        // The network may have changed under the page: signaling moves to a fresh socket
        // (a renewal began on one that had just come back).
        if (
          (state === "disconnected" || state === "failed") && !link.renewing
        ) {
          this.signaling.reconnectNow();
        }
        if (state === "connected" && this.connectedAt.value === null) {
          this.connectedAt.value = Date.now();
        }
        // Media flows again: the network is back, and so may the server be.
        if (state === "connected") this.signaling.retryNow();
      },
      quality: (quality) => {
        this.quality.value = quality;
      },
      channelOpen: () => this.#publishState(),
      peerMessage: (message) => this.channel.receive(message),
      failed: (sentence) => this.#end(sentence),
      secured: (pc) => void this.verification.check(pc),
    });
    this.#link = link;
    if (this.media.stream.value) link.addStream(this.media.stream.value);
  }

  /** Tells the peer about this side's media. */
  #publishState(): void {
    this.channel.publish(this.#link, {
      muted: this.media.micMuted.value,
      cameraOff: this.media.cameraOff.value,
      sharing: this.media.sharing.value,
      recording: this.recording.value,
    });
  }

  async #finishRecording(): Promise<void> {
    const finished = this.#recorder.finish(this.peerId.value);
    this.#publishState();
    await finished;
  }

  #end(sentence: string): void {
    if (this.recording.value) void this.#finishRecording();
    this.#callSeq++;
    this.connectedAt.value = null;
    this.#link?.close();
    this.#link = null;
    this.media.release();
    this.remoteStream.value = null;
    this.mediaProblem.value = "";
    this.notice.value = sentence;
    this.state.value = "ended";
    if (this.#idleTimer !== null) this.#deps.clearTimeout(this.#idleTimer);
    this.#idleTimer = this.#deps.setTimeout(() => {
      this.#idleTimer = null;
      if (this.state.value === "ended") this.state.value = "idle";
    }, ENDED_DISPLAY_MS);
  }

  #send(message: ClientMessage): void {
    this.signaling.send(message);
  }

  #isFree(): boolean {
    return this.state.value === "idle" || this.state.value === "ended";
  }

  #fromPeer(from: string): boolean {
    return this.peerId.value === from && !this.#isFree();
  }

  #inCallWith(from: string): boolean {
    return this.state.value === "active" && this.peerId.value === from;
  }
}
