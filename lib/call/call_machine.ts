/**
 * The call state machine, built on `@preact/signals`:
 * `idle → calling | ringing → active → ended → idle`. Every way out of a call
 * (reject, cancel, timeout, peer gone, network lost, error) passes through
 * `ended`, which releases the camera and microphone and closes the peer
 * connection, and then returns to `idle`.
 * @module
 */
import { computed, signal } from "@preact/signals";
import {
  type ClientMessage,
  CLOSE_CODES,
  type EndReason,
  isUserId,
  type PayloadOf,
  type ServerMessage,
} from "../protocol.ts";
import { describeMediaError, type MediaWish, stopStream } from "./media.ts";
import type {
  Credentials,
  SignalingConnection,
  SignalingConnector,
} from "./signaling_client.ts";
import { type PeerConnectionFactory, WebRTCService } from "./webrtc_service.ts";

/** Where a call is. */
export type CallState = "idle" | "calling" | "ringing" | "active" | "ended";

/** Whether this page is signed in to the signaling server. */
export type SessionState = "signed-out" | "connecting" | "signed-in";

/** What the machine needs from the browser; tests hand in fakes. */
export interface CallMachineDeps {
  connect: SignalingConnector;
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  createPeerConnection: PeerConnectionFactory;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** How long the sentence of an ended call shows before the page is idle again. */
export const ENDED_DISPLAY_MS = 2_000;

const HINT_USER_ID = "1–64 of A–Z a–z 0–9 . _ ~ -";

function endSentence(
  reason: EndReason | undefined,
  peer: string,
  state: CallState,
): string {
  switch (reason) {
    case "declined":
      return `${peer} declined the call.`;
    case "busy":
      return `${peer} is busy in another call.`;
    case "no-answer":
      return state === "ringing"
        ? `Missed call from ${peer}.`
        : `${peer} did not answer.`;
    case "cancelled":
      return `Missed call from ${peer}: they hung up.`;
    case "peer-gone":
      return `${peer} lost their connection; the call ended.`;
    case "ice-failed":
      return `The connection to ${peer} failed; the call ended.`;
    case "media-failed":
      return `${peer} could not start their camera or microphone.`;
    default:
      return `${peer} ended the call.`;
  }
}

/** One page's calls: signals to render from, actions to call. */
export class CallMachine {
  /** The call's state. */
  readonly state = signal<CallState>("idle");
  /** The signaling session's state. */
  readonly session = signal<SessionState>("signed-out");
  /** The id this page is signed in under. */
  readonly selfId = signal<string | null>(null);
  /** The other party of the current call. */
  readonly peerId = signal<string | null>(null);
  /** Whether the current call has video. */
  readonly withVideo = signal(true);
  readonly localStream = signal<MediaStream | null>(null);
  readonly remoteStream = signal<MediaStream | null>(null);
  /** Microphone muted by the user. */
  readonly micMuted = signal(false);
  /** Camera turned off by the user. */
  readonly cameraOff = signal(false);
  /** The peer connection's state while active. */
  readonly connectionState = signal<RTCPeerConnectionState>("new");
  /** The last thing worth telling the user: why a call ended, what failed. */
  readonly notice = signal("");
  /** Who else is online. */
  readonly online = signal<string[]>([]);

  /** The call's status in words. */
  readonly status = computed(() => {
    const peer = this.peerId.value;
    switch (this.state.value) {
      case "calling":
        return `Calling ${peer}…`;
      case "ringing":
        return `${peer} is calling you${
          this.withVideo.value ? " (video)" : " (audio)"
        }…`;
      case "active":
        return this.connectionState.value === "connected"
          ? `In call with ${peer}`
          : `Connecting to ${peer}…`;
      case "ended":
        return this.notice.value || "Call ended.";
      default:
        if (this.session.value === "connecting") return "Signing in…";
        if (this.session.value === "signed-out") {
          return this.notice.value || "Not signed in.";
        }
        return this.notice.value ||
          `Signed in as ${this.selfId.value}. Ready to call.`;
    }
  });

  #deps: CallMachineDeps;
  #connection: SignalingConnection | null = null;
  #iceServers: RTCIceServer[] = [];
  #iceTransportPolicy: RTCIceTransportPolicy = "all";
  #webrtc: WebRTCService | null = null;
  /** Bumped whenever a call ends, so late async work of an old call is dropped. */
  #callSeq = 0;
  #idleTimer: unknown = null;

  constructor(deps: CallMachineDeps) {
    this.#deps = deps;
  }

  /** Signs in under `userId` (open mode). */
  join(userId: string): void {
    const id = userId.trim();
    if (!isUserId(id)) {
      this.notice.value = `Your id must be ${HINT_USER_ID}.`;
      return;
    }
    this.#open({ userId: id });
  }

  /** Signs in with a token from the page's sign-in link (token mode). */
  joinWithToken(token: string): void {
    this.#open({ token });
  }

  #open(credentials: Credentials): void {
    if (this.session.value !== "signed-out") return;
    this.notice.value = "";
    this.session.value = "connecting";
    this.#connection = this.#deps.connect(credentials, {
      onMessage: (message) => this.handleMessage(message),
      onClose: (code, reason) => this.#handleClose(code, reason, credentials),
    });
  }

  /** Signs out, ending any call. */
  leave(): void {
    if (this.state.value !== "idle" && this.state.value !== "ended") {
      this.hangUp();
    }
    this.#connection?.close();
    this.#signedOut("Signed out.");
  }

  /** Calls `peer`, with or without video. */
  async call(peer: string, video: boolean): Promise<void> {
    const id = peer.trim();
    if (this.session.value !== "signed-in" || !this.#isFree()) return;
    if (!isUserId(id)) {
      this.notice.value = `Enter the id of the user to call: ${HINT_USER_ID}.`;
      return;
    }
    if (id === this.selfId.value) {
      this.notice.value = "You cannot call yourself.";
      return;
    }
    const seq = this.#beginCall(id, video);
    this.state.value = "calling";
    const stream = await this.#acquire(seq, { video, audio: true });
    if (!stream) return;
    this.#send({
      type: "call:request",
      payload: { to: id, hasVideo: video, hasAudio: true },
    });
  }

  /** Accepts the ringing call. */
  async accept(): Promise<void> {
    const peer = this.peerId.value;
    if (this.state.value !== "ringing" || !peer) return;
    const seq = this.#callSeq;
    const stream = await this.#acquire(seq, {
      video: this.withVideo.value,
      audio: true,
    }, peer);
    if (!stream) return;
    this.#startPeer(peer);
    this.state.value = "active";
    this.#send({
      type: "call:response",
      payload: { to: peer, accepted: true },
    });
  }

  /** Declines the ringing call. */
  decline(): void {
    const peer = this.peerId.value;
    if (this.state.value !== "ringing" || !peer) return;
    this.#send({
      type: "call:response",
      payload: { to: peer, accepted: false, reason: "declined" },
    });
    this.#end(`You declined the call from ${peer}.`);
  }

  /** Ends the call, cancels an outgoing one, or declines an incoming one. */
  hangUp(): void {
    const peer = this.peerId.value;
    if (!peer) return;
    switch (this.state.value) {
      case "ringing":
        return this.decline();
      case "calling":
        this.#send({
          type: "call:end",
          payload: { to: peer, reason: "cancelled" },
        });
        return this.#end(`You cancelled the call to ${peer}.`);
      case "active":
        this.#send({
          type: "call:end",
          payload: { to: peer, reason: "hangup" },
        });
        return this.#end(`Call with ${peer} ended.`);
    }
  }

  /** Mutes or unmutes the microphone. */
  toggleMute(): void {
    const muted = !this.micMuted.value;
    for (const track of this.localStream.value?.getAudioTracks() ?? []) {
      track.enabled = !muted;
    }
    this.micMuted.value = muted;
  }

  /**
   * Turns the camera off (the track is stopped, so its light goes off, and
   * the peer receives no video) or on again (a new camera track is sent).
   */
  async toggleCamera(): Promise<void> {
    const stream = this.localStream.value;
    if (!stream || !this.withVideo.value) return;
    const seq = this.#callSeq;
    if (!this.cameraOff.value) {
      this.cameraOff.value = true;
      for (const track of stream.getVideoTracks()) track.stop();
      this.localStream.value = new MediaStream(stream.getAudioTracks());
      await this.#webrtc?.replaceTrack("video", null);
      return;
    }
    let camera: MediaStream;
    try {
      camera = await this.#deps.getUserMedia({ video: true });
    } catch (error) {
      this.notice.value = describeMediaError(error, {
        video: true,
        audio: false,
      });
      return;
    }
    if (seq !== this.#callSeq) return stopStream(camera);
    const [track] = camera.getVideoTracks();
    this.localStream.value = new MediaStream([
      ...stream.getAudioTracks(),
      track,
    ]);
    this.cameraOff.value = false;
    await this.#webrtc?.replaceTrack("video", track);
  }

  /** The current call's peer connection, for statistics. */
  get peerConnection(): RTCPeerConnection | null {
    return this.#webrtc?.peerConnection ?? null;
  }

  /** Handles one message from the server. */
  handleMessage(message: ServerMessage): void {
    switch (message.type) {
      case "session:ready":
        this.session.value = "signed-in";
        this.selfId.value = message.payload.userId;
        this.#iceServers = message.payload.iceServers;
        this.#iceTransportPolicy = message.payload.iceTransportPolicy;
        return;
      case "session:ice-servers":
        this.#iceServers = message.payload.iceServers;
        this.#webrtc?.setIceServers(message.payload.iceServers);
        return;
      case "presence:list":
        this.online.value = message.payload.users.filter((u) =>
          u !== this.selfId.value
        ).sort();
        return;
      case "presence:update": {
        const { userId, online } = message.payload;
        const others = this.online.value.filter((u) => u !== userId);
        this.online.value = online && userId !== this.selfId.value
          ? [...others, userId].sort()
          : others;
        return;
      }
      case "call:request":
        return this.#onRequest(message.payload);
      case "call:response":
        return this.#onResponse(message.payload);
      case "call:end":
        if (this.#fromPeer(message.payload.from)) {
          this.#end(
            endSentence(
              message.payload.reason,
              message.payload.from,
              this.state.value,
            ),
          );
        }
        return;
      case "webrtc:offer":
        if (this.#inCallWith(message.payload.from)) {
          this.#negotiate(async (webrtc, peer) => {
            const answer = await webrtc.acceptOffer(message.payload.offer);
            this.#send({
              type: "webrtc:answer",
              payload: { to: peer, answer },
            });
          });
        }
        return;
      case "webrtc:answer":
        if (this.#inCallWith(message.payload.from)) {
          this.#negotiate((webrtc) =>
            webrtc.acceptAnswer(message.payload.answer)
          );
        }
        return;
      case "webrtc:candidate":
        if (this.#inCallWith(message.payload.from)) {
          this.#negotiate((webrtc) =>
            webrtc.addRemoteCandidate(message.payload.candidate)
          );
        }
        return;
      case "error":
        if (
          this.state.value === "calling" &&
          message.payload.inReplyTo === "call:request"
        ) {
          this.#end(message.payload.message);
        } else {
          this.notice.value = message.payload.message;
        }
        return;
    }
  }

  #onRequest(payload: PayloadOf<"call:request">): void {
    if (!this.#isFree()) {
      this.#send({
        type: "call:response",
        payload: { to: payload.from, accepted: false, reason: "busy" },
      });
      return;
    }
    this.#beginCall(payload.from, payload.hasVideo);
    this.state.value = "ringing";
  }

  #onResponse(payload: PayloadOf<"call:response">): void {
    if (this.state.value !== "calling" || !this.#fromPeer(payload.from)) return;
    if (!payload.accepted) {
      this.#end(
        endSentence(
          payload.reason ?? "declined",
          payload.from,
          this.state.value,
        ),
      );
      return;
    }
    this.state.value = "active";
    this.#startPeer(payload.from);
    this.#negotiate(async (webrtc, peer) => {
      const offer = await webrtc.createOffer();
      this.#send({ type: "webrtc:offer", payload: { to: peer, offer } });
    });
  }

  #beginCall(peer: string, video: boolean): number {
    if (this.#idleTimer !== null) this.#deps.clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    this.peerId.value = peer;
    this.withVideo.value = video;
    this.micMuted.value = false;
    this.cameraOff.value = false;
    this.connectionState.value = "new";
    this.notice.value = "";
    return this.#callSeq;
  }

  async #acquire(
    seq: number,
    wish: MediaWish,
    answerTo?: string,
  ): Promise<MediaStream | null> {
    let stream: MediaStream;
    try {
      stream = await this.#deps.getUserMedia(wish);
    } catch (error) {
      if (seq !== this.#callSeq) return null;
      if (answerTo) {
        this.#send({
          type: "call:response",
          payload: { to: answerTo, accepted: false, reason: "media-failed" },
        });
      }
      this.#end(describeMediaError(error, wish));
      return null;
    }
    if (seq !== this.#callSeq) {
      stopStream(stream);
      return null;
    }
    this.localStream.value = stream;
    return stream;
  }

  #startPeer(peer: string): void {
    const webrtc = new WebRTCService(
      this.#deps.createPeerConnection,
      {
        iceServers: this.#iceServers,
        iceTransportPolicy: this.#iceTransportPolicy,
      },
      {
        onLocalCandidate: (candidate) =>
          this.#send({
            type: "webrtc:candidate",
            payload: { to: peer, candidate },
          }),
        onRemoteStream: (stream) => {
          this.remoteStream.value = stream;
        },
        onConnectionState: (state) => {
          this.connectionState.value = state;
          if (state === "failed") this.#connectionFailed(peer, webrtc);
        },
        onNoCandidates: () => this.#connectionFailed(peer, webrtc),
      },
    );
    if (this.localStream.value) webrtc.addStream(this.localStream.value);
    this.#webrtc = webrtc;
  }

  /** Runs one negotiation step; a failure ends the call rather than leaving it half set up. */
  #negotiate(
    step: (webrtc: WebRTCService, peer: string) => Promise<void>,
  ): void {
    const webrtc = this.#webrtc;
    const peer = this.peerId.value;
    if (!webrtc || !peer) return;
    const seq = this.#callSeq;
    step(webrtc, peer).catch((error) => {
      if (seq !== this.#callSeq) return;
      this.#send({
        type: "call:end",
        payload: { to: peer, reason: "ice-failed" },
      });
      this.#end(
        `Setting up the connection to ${peer} failed (${
          error?.message ?? error
        }).`,
      );
    });
  }

  #end(sentence: string): void {
    this.#callSeq++;
    this.#webrtc?.close();
    this.#webrtc = null;
    stopStream(this.localStream.value);
    this.localStream.value = null;
    this.remoteStream.value = null;
    this.notice.value = sentence;
    this.state.value = "ended";
    if (this.#idleTimer !== null) this.#deps.clearTimeout(this.#idleTimer);
    this.#idleTimer = this.#deps.setTimeout(() => {
      this.#idleTimer = null;
      if (this.state.value === "ended") this.state.value = "idle";
    }, ENDED_DISPLAY_MS);
  }

  /** The network path to the peer could not be made; says why as well as it can. */
  #connectionFailed(peer: string, webrtc: WebRTCService): void {
    if (this.#webrtc !== webrtc) return;
    this.#send({
      type: "call:end",
      payload: { to: peer, reason: "ice-failed" },
    });
    this.#end(
      webrtc.relayRefusedCredentials
        ? `Could not connect to ${peer}: the relay (TURN) server refused this app's credentials. Ask the administrator to check NEXUS_TURN_SECRET.`
        : endSentence("ice-failed", peer, this.state.value),
    );
  }

  #handleClose(code: number, reason: string, credentials: Credentials): void {
    const wasSignedIn = this.session.value === "signed-in";
    this.#connection = null;
    let sentence = "Lost the connection to the server.";
    if (code === CLOSE_CODES.idInUse && "userId" in credentials) {
      sentence = `${credentials.userId} is already signed in on another page.`;
    } else if (code === CLOSE_CODES.policy && reason === "token expired") {
      sentence =
        "Your sign-in has expired. Open a new sign-in link to continue.";
    } else if (code === CLOSE_CODES.policy) {
      sentence = `The server closed the connection: ${
        reason || "policy violation"
      }.`;
    } else if (!wasSignedIn && "token" in credentials) {
      sentence =
        "The server refused this sign-in link: it may have expired or been changed.";
    } else if (!wasSignedIn) {
      sentence = "Could not reach the server.";
    }
    if (this.state.value === "idle" || this.state.value === "ended") {
      this.#signedOut(sentence);
    } else {
      this.#end(sentence);
      this.#signedOut(sentence);
    }
  }

  #signedOut(sentence: string): void {
    this.#connection = null;
    this.session.value = "signed-out";
    this.selfId.value = null;
    this.online.value = [];
    this.notice.value = sentence;
  }

  #send(message: ClientMessage): void {
    this.#connection?.send(message);
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

/** The browser's getUserMedia, as the island hands it to the machine. */
export function browserGetUserMedia(
  constraints: MediaStreamConstraints,
): Promise<MediaStream> {
  if (!globalThis.navigator?.mediaDevices) {
    return Promise.reject(
      new DOMException("no mediaDevices", "NoMediaDevices"),
    );
  }
  return navigator.mediaDevices.getUserMedia(constraints);
}
