/**
 * The call state machine, built on `@preact/signals`:
 * `idle → calling | ringing → active → ended → idle`. Every way out of a call
 * (reject, cancel, timeout, peer gone, network lost, error) passes through
 * `ended`, which releases the camera and microphone and closes the peer
 * connection, and then returns to `idle`.
 *
 * A call survives the signaling socket dropping: media is peer to peer, the
 * session reconnects, and the call is resumed. When the media path breaks,
 * the caller restarts ICE; a path that does not come back ends the call.
 * @module
 */
import { computed, signal } from "@preact/signals";
import {
  type ClientMessage,
  isUserId,
  type PayloadOf,
  type ServerMessage,
} from "../protocol.ts";
import { describeMediaError, type MediaWish, stopStream } from "./media.ts";
import {
  type ChoiceStore,
  constraintsFor,
  type DeviceChoice,
  loadChoices,
  saveChoices,
} from "./devices.ts";
import {
  type CallQuality,
  type QualitySnapshot,
  readQuality,
} from "./quality.ts";
import type { Recording } from "./recorder.ts";
import type { SignalingConnector } from "./signaling_client.ts";
import { SignalingSession } from "./signaling_session.ts";
import type { AnswerMode, CallState, ChatMessage, PeerState } from "./types.ts";
import { endSentence, HINT_USER_ID, statusSentence } from "./words.ts";
import { type PeerConnectionFactory, WebRTCService } from "./webrtc_service.ts";

/** What the machine needs from the browser; tests hand in fakes. */
export interface CallMachineDeps {
  connect: SignalingConnector;
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  /** Screen capture; absent where the browser has none. */
  getDisplayMedia?(
    constraints: DisplayMediaStreamOptions,
  ): Promise<MediaStream>;
  /** Starts recording a call; absent where the browser cannot. */
  recordCall?(remote: MediaStream, local: MediaStream | null): Recording;
  /** Hands a finished recording to the person. */
  download?(file: Blob, name: string): void;
  /** Where device choices are remembered. */
  store?: ChoiceStore;
  createPeerConnection: PeerConnectionFactory;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** A number in [0, 1), for reconnect jitter. */
  random(): number;
}

/** How often the call's quality is read from `getStats`. */
export const QUALITY_EVERY_MS = 2_000;
/** The longest chat message. */
export const MAX_CHAT_LENGTH = 2_000;

/** How long the sentence of an ended call shows before the page is idle again. */
export const ENDED_DISPLAY_MS = 2_000;
/** How long the media path may stay `disconnected` before the caller restarts ICE. */
export const ICE_RESTART_AFTER_MS = 2_000;
/** How long a broken media path may take to come back before the call ends. */
export const ICE_RECOVERY_MS = 30_000;

/** One page's calls: signals to render from, actions to call. */
export class CallMachine {
  /** The call's state. */
  readonly state = signal<CallState>("idle");
  /** The other party of the current call. */
  readonly peerId = signal<string | null>(null);
  /** Whether the current call has video. */
  readonly withVideo = signal(true);
  readonly localStream = signal<MediaStream | null>(null);
  readonly remoteStream = signal<MediaStream | null>(null);
  /** Microphone muted by the user. */
  readonly micMuted = signal(false);
  /** Camera turned off by the user (or unplugged). */
  readonly cameraOff = signal(false);
  /** The peer connection's state while active. */
  readonly connectionState = signal<RTCPeerConnectionState>("new");
  /** The last thing worth telling the user: why a call ended, what failed. */
  readonly notice = signal("");
  /** Set while ringing when the camera or microphone could not be started. */
  readonly mediaProblem = signal("");
  /** The connection to the signaling server. */
  readonly signaling: SignalingSession;
  /** The call's chat, oldest first. */
  readonly chat = signal<ChatMessage[]>([]);
  /** What the peer says about its media. */
  readonly peerState = signal<PeerState>({
    muted: false,
    cameraOff: false,
    sharing: false,
    recording: false,
  });
  /** Sharing the screen instead of the camera. */
  readonly sharing = signal(false);
  /** Recording this call. */
  readonly recording = signal(false);
  /** The latest reading of the call's quality. */
  readonly quality = signal<CallQuality | null>(null);
  /** When media first flowed (ms since the epoch), for the call timer. */
  readonly connectedAt = signal<number | null>(null);
  /** The chosen camera, microphone and speaker. */
  readonly devices = signal<DeviceChoice>({});

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
  #webrtc: WebRTCService | null = null;
  /** Each call attempt's number; async work of an older one is dropped. */
  #callSeq = 0;
  #idleTimer: unknown = null;
  /** Timers of the current call, cleared when it ends. */
  #callTimers = new Map<"restart" | "recovery" | "quality", unknown>();
  #recordingInProgress: Recording | null = null;
  #qualitySnapshot: QualitySnapshot | null = null;
  constructor(deps: CallMachineDeps) {
    this.#deps = deps;
    this.devices.value = loadChoices(deps.store);
    this.signaling = new SignalingSession(deps, {
      onMessage: (message) => this.handleMessage(message),
      onReady: (resumed) => {
        const peer = this.peerId.value;
        if (resumed && this.state.value === "active" && peer) {
          this.#send({ type: "call:resume", payload: { to: peer } });
        }
      },
      onSignedOut: (sentence) => {
        if (this.#isFree()) this.notice.value = sentence;
        else this.#end(sentence);
      },
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
    this.signaling.open({ userId: id });
  }

  /** Signs in with a token from the page's sign-in link (token mode). */
  joinWithToken(token: string): void {
    this.notice.value = "";
    this.signaling.open({ token });
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
    const stream = await this.#acquire({ video, audio: true });
    if (!stream) return;
    this.#send({
      type: "call:request",
      payload: { to: id, hasVideo: video, hasAudio: true },
    });
  }

  /**
   * Accepts the ringing call. When the camera or microphone fails, the call
   * keeps ringing and `mediaProblem` says why; it can then be answered
   * audio-only or receive-only.
   */
  async accept(mode: AnswerMode = "full"): Promise<void> {
    const peer = this.peerId.value;
    if (this.state.value !== "ringing" || !peer) return;
    if (mode !== "receive-only" && !this.localStream.value) {
      const captured = await this.#capture({
        video: this.withVideo.value && mode === "full",
        audio: true,
      });
      if (!captured) return;
      if ("problem" in captured) {
        this.mediaProblem.value = captured.problem;
        return;
      }
      this.#useLocalStream(captured.stream);
    }
    this.mediaProblem.value = "";
    this.#startPeer(peer, true);
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
    this.#publishState();
  }

  /** Sends a chat message to the peer, peer to peer; false when it cannot go now. */
  sendChat(text: string): boolean {
    const message = text.trim().slice(0, MAX_CHAT_LENGTH);
    if (
      !message || !this.#webrtc?.sendToPeer({ type: "chat", text: message })
    ) return false;
    this.chat.value = [...this.chat.value, {
      mine: true,
      text: message,
      at: Date.now(),
    }];
    return true;
  }

  /**
   * Chooses a camera, microphone or speaker, remembered for next time. In a
   * call, a new camera or microphone is swapped in without renegotiating.
   */
  async chooseDevice(
    kind: keyof DeviceChoice,
    deviceId: string,
  ): Promise<void> {
    this.devices.value = {
      ...this.devices.value,
      [kind]: deviceId || undefined,
    };
    saveChoices(this.#deps.store, this.devices.value);
    const stream = this.localStream.value;
    const trackKind = kind === "camera"
      ? "video"
      : kind === "microphone"
      ? "audio"
      : null;
    if (!stream || !trackKind || this.state.value !== "active") return;
    if (
      trackKind === "video" &&
      (this.cameraOff.value || this.sharing.value || !this.withVideo.value)
    ) return;
    const captured = await this.#capture({
      video: trackKind === "video",
      audio: trackKind === "audio",
    });
    if (!captured) return;
    if ("problem" in captured) {
      this.notice.value = captured.problem;
      return;
    }
    const [track] = trackKind === "video"
      ? captured.stream.getVideoTracks()
      : captured.stream.getAudioTracks();
    track.enabled = trackKind === "video" || !this.micMuted.value;
    this.#watchTrack(track);
    await this.#swapTrack(trackKind, track);
  }

  /** Shares the screen instead of the camera, or goes back to the camera. */
  async toggleScreenShare(): Promise<void> {
    const stream = this.localStream.value;
    if (!stream || this.state.value !== "active" || !this.withVideo.value) {
      return;
    }
    if (this.sharing.value) return this.#stopSharing();
    if (!this.#deps.getDisplayMedia) {
      this.notice.value = "This browser cannot share its screen.";
      return;
    }
    const seq = this.#callSeq;
    let display: MediaStream;
    try {
      display = await this.#deps.getDisplayMedia({ video: true, audio: false });
    } catch {
      this.notice.value = "Screen sharing was not started.";
      return;
    }
    if (seq !== this.#callSeq) return stopStream(display);
    const [track] = display.getVideoTracks();
    track.addEventListener("ended", () => {
      if (seq === this.#callSeq && this.sharing.value) void this.#stopSharing();
    });
    this.sharing.value = true;
    this.cameraOff.value = false;
    await this.#swapTrack("video", track);
    this.#publishState();
  }

  /** Starts recording the call (both voices, the peer's video), or stops and downloads it. */
  async toggleRecording(): Promise<void> {
    if (this.#recordingInProgress) return await this.#finishRecording();
    const remote = this.remoteStream.value;
    if (!remote || this.state.value !== "active") return;
    if (!this.#deps.recordCall) {
      this.notice.value = "This browser cannot record calls.";
      return;
    }
    this.#recordingInProgress = this.#deps.recordCall(
      remote,
      this.localStream.value,
    );
    this.recording.value = true;
    this.#publishState();
  }

  /**
   * Turns the camera off (the track is stopped, so its light goes off, and
   * the peer receives no video) or on again (a new camera track is sent).
   */
  async toggleCamera(): Promise<void> {
    const stream = this.localStream.value;
    if (!stream || !this.withVideo.value) return;
    if (!this.cameraOff.value) {
      this.cameraOff.value = true;
      this.sharing.value = false;
      for (const track of stream.getVideoTracks()) track.stop();
      this.localStream.value = new MediaStream(stream.getAudioTracks());
      this.#publishState();
      await this.#webrtc?.replaceTrack("video", null);
      return;
    }
    const captured = await this.#capture({ video: true, audio: false });
    if (!captured) return;
    if ("problem" in captured) {
      this.notice.value = captured.problem;
      return;
    }
    this.notice.value = "";
    const [track] = captured.stream.getVideoTracks();
    this.#watchTrack(track);
    this.cameraOff.value = false;
    await this.#swapTrack("video", track);
    this.#publishState();
  }

  /** Puts a new track in place of the local one of its kind: sent at once, shown in the preview. */
  async #swapTrack(
    kind: "audio" | "video",
    track: MediaStreamTrack,
  ): Promise<void> {
    const stream = this.localStream.value;
    if (!stream) return;
    for (
      const previous of kind === "video"
        ? stream.getVideoTracks()
        : stream.getAudioTracks()
    ) previous.stop();
    const kept = kind === "video"
      ? stream.getAudioTracks()
      : stream.getVideoTracks();
    this.localStream.value = new MediaStream([...kept, track]);
    await this.#webrtc?.replaceTrack(kind, track);
  }

  async #stopSharing(): Promise<void> {
    this.sharing.value = false;
    this.#publishState();
    const captured = await this.#capture({ video: true, audio: false });
    if (!captured) return;
    if ("problem" in captured) {
      this.cameraOff.value = true;
      this.notice.value = captured.problem;
      return;
    }
    const [track] = captured.stream.getVideoTracks();
    this.#watchTrack(track);
    await this.#swapTrack("video", track);
  }

  async #finishRecording(): Promise<void> {
    const recording = this.#recordingInProgress;
    this.#recordingInProgress = null;
    this.recording.value = false;
    this.#publishState();
    if (!recording) return;
    const file = await recording.stop();
    const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, "-");
    this.#deps.download?.(
      file,
      `nexus-call-${this.peerId.value ?? "call"}-${stamp}.webm`,
    );
  }

  /** Tells the peer about this side's media. */
  #publishState(): void {
    const state: PeerState = {
      muted: this.micMuted.value,
      cameraOff: this.cameraOff.value,
      sharing: this.sharing.value,
      recording: this.recording.value,
    };
    this.#webrtc?.sendToPeer({ type: "state", ...state });
  }

  #peerMessage(message: unknown): void {
    const data = message as
      & { type?: unknown; text?: unknown }
      & Partial<PeerState>;
    if (data.type === "chat" && typeof data.text === "string") {
      const text = data.text.slice(0, MAX_CHAT_LENGTH);
      this.chat.value = [...this.chat.value, {
        mine: false,
        text,
        at: Date.now(),
      }];
    } else if (data.type === "state") {
      this.peerState.value = {
        muted: data.muted === true,
        cameraOff: data.cameraOff === true,
        sharing: data.sharing === true,
        recording: data.recording === true,
      };
    }
  }

  #sampleQuality(webrtc: WebRTCService): void {
    this.#callTimers.set(
      "quality",
      this.#deps.setTimeout(async () => {
        if (this.#webrtc !== webrtc) return;
        try {
          const stats = await webrtc.peerConnection.getStats();
          if (this.#webrtc !== webrtc) return;
          const reading = readQuality(
            stats as unknown as Parameters<typeof readQuality>[0],
            Date.now(),
            this.#qualitySnapshot,
          );
          this.#qualitySnapshot = reading.snapshot;
          this.quality.value = reading.quality;
        } catch {
          // Statistics are best effort; the next reading may work.
        }
        if (this.#webrtc === webrtc) this.#sampleQuality(webrtc);
      }, QUALITY_EVERY_MS),
    );
  }

  /** Handles one call message from the server. */
  handleMessage(message: ServerMessage): void {
    switch (message.type) {
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
      case "webrtc:answer": {
        const description = message.type === "webrtc:offer"
          ? message.payload.offer
          : message.payload.answer;
        if (this.#inCallWith(message.payload.from)) {
          this.#negotiate((webrtc) => webrtc.receiveDescription(description));
        }
        return;
      }
      case "webrtc:candidate":
        if (this.#inCallWith(message.payload.from)) {
          this.#negotiate((webrtc) =>
            webrtc.addRemoteCandidate(message.payload.candidate)
          );
        }
        return;
      case "session:ice-servers":
        this.#webrtc?.setIceServers(message.payload.iceServers);
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
        const stream = this.localStream.value;
        this.#beginCall(from, payload.hasVideo);
        if (stream) this.#useLocalStream(stream);
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
  }

  #onResponse(payload: PayloadOf<"call:response">): void {
    if (this.state.value !== "calling" || !this.#fromPeer(payload.from)) return;
    if (payload.reason === "glare") return; // The peer's call stands; its request comes or came.
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
    this.#startPeer(payload.from, false);
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
    this.mediaProblem.value = "";
    this.chat.value = [];
    this.peerState.value = {
      muted: false,
      cameraOff: false,
      sharing: false,
      recording: false,
    };
    this.sharing.value = false;
    this.quality.value = null;
    this.connectedAt.value = null;
    this.#qualitySnapshot = null;
    return ++this.#callSeq;
  }
  /** The devices of a call being placed; a problem ends it, in words. */
  async #acquire(wish: MediaWish): Promise<MediaStream | null> {
    const captured = await this.#capture(wish);
    if (!captured) return null;
    if ("problem" in captured) {
      this.#end(captured.problem);
      return null;
    }
    this.#useLocalStream(captured.stream);
    return captured.stream;
  }

  /**
   * Opens the devices `wish` names, as the person chose them: the stream, or
   * why not in a sentence; `null` when the call it was for changed meanwhile
   * (whatever was opened is stopped).
   */
  async #capture(
    wish: MediaWish,
  ): Promise<{ stream: MediaStream } | { problem: string } | null> {
    const seq = this.#callSeq;
    try {
      const stream = await this.#deps.getUserMedia(
        constraintsFor(wish, this.devices.value),
      );
      if (seq === this.#callSeq) return { stream };
      stopStream(stream);
      return null;
    } catch (error) {
      return seq === this.#callSeq
        ? { problem: describeMediaError(error, wish) }
        : null;
    }
  }

  #useLocalStream(stream: MediaStream): void {
    for (const track of stream.getTracks()) this.#watchTrack(track);
    this.localStream.value = stream;
  }

  /** A device unplugged mid-call ends its track, not the call. */
  #watchTrack(track: MediaStreamTrack): void {
    const seq = this.#callSeq;
    track.addEventListener("ended", () => {
      if (seq !== this.#callSeq || this.#isFree()) return;
      if (track.kind === "video") {
        this.cameraOff.value = true;
        this.notice.value =
          "Your camera stopped. Press Camera off to turn it on again.";
      } else {
        this.notice.value =
          "Your microphone stopped. Check that it is connected.";
      }
    });
  }

  #startPeer(peer: string, polite: boolean): void {
    const webrtc = new WebRTCService(
      this.#deps.createPeerConnection,
      {
        iceServers: this.signaling.iceServers,
        iceTransportPolicy: this.signaling.iceTransportPolicy,
      },
      {
        onDescription: (description) =>
          this.#send(
            description.type === "offer"
              ? {
                type: "webrtc:offer",
                payload: { to: peer, offer: description },
              }
              : {
                type: "webrtc:answer",
                payload: { to: peer, answer: description },
              },
          ),
        onLocalCandidate: (candidate) =>
          this.#send({
            type: "webrtc:candidate",
            payload: { to: peer, candidate },
          }),
        onRemoteStream: (stream) => {
          this.remoteStream.value = stream;
        },
        onConnectionState: (state) =>
          this.#pathChanged(state, peer, webrtc, polite),
        onNoCandidates: () => this.#connectionFailed(peer, webrtc, true),
        onChannelOpen: () => this.#publishState(),
        onPeerMessage: (message) => this.#peerMessage(message),
        onError: (error) => this.#negotiationFailed(peer, error),
      },
      { polite },
    );
    this.#webrtc = webrtc;
    if (this.localStream.value) webrtc.addStream(this.localStream.value);
  }

  /**
   * Watches the media path: when it breaks, the caller (the impolite side)
   * restarts ICE, after 2 s of `disconnected` or at once on `failed`; a path
   * that is not back within 30 s ends the call.
   */
  #pathChanged(
    state: RTCPeerConnectionState,
    peer: string,
    webrtc: WebRTCService,
    polite: boolean,
  ): void {
    this.connectionState.value = state;
    if (state === "connected") {
      for (const name of ["restart", "recovery"] as const) {
        if (this.#callTimers.has(name)) {
          this.#deps.clearTimeout(this.#callTimers.get(name));
        }
        this.#callTimers.delete(name);
      }
      if (this.connectedAt.value === null) {
        this.connectedAt.value = Date.now();
        this.#sampleQuality(webrtc);
      }
      return;
    }
    if (state !== "disconnected" && state !== "failed") return;
    if (!this.#callTimers.has("recovery")) {
      this.#callTimers.set(
        "recovery",
        this.#deps.setTimeout(
          () => this.#connectionFailed(peer, webrtc),
          ICE_RECOVERY_MS,
        ),
      );
    }
    if (polite) return;
    if (state === "failed") {
      webrtc.restartIce();
    } else if (!this.#callTimers.has("restart")) {
      this.#callTimers.set(
        "restart",
        this.#deps.setTimeout(() => {
          this.#callTimers.delete("restart");
          if (this.connectionState.value === "disconnected") {
            webrtc.restartIce();
          }
        }, ICE_RESTART_AFTER_MS),
      );
    }
  }

  /**
   * The network path to the peer could not be made; says why as well as it
   * can. With relay-only ICE and no candidate at all, the relay is the cause,
   * whether or not its 401 arrived before gathering ended.
   */
  #connectionFailed(
    peer: string,
    webrtc: WebRTCService,
    noCandidates = false,
  ): void {
    if (this.#webrtc !== webrtc) return;
    this.#send({
      type: "call:end",
      payload: { to: peer, reason: "ice-failed" },
    });
    const relayOnly = this.signaling.iceTransportPolicy === "relay";
    this.#end(
      webrtc.relayRefusedCredentials
        ? `Could not connect to ${peer}: the relay (TURN) server refused this app's credentials. Ask the administrator to check NEXUS_TURN_SECRET.`
        : noCandidates && relayOnly
        ? `Could not connect to ${peer}: the relay (TURN) server could not be used. Ask the administrator to check NEXUS_TURN_URLS and NEXUS_TURN_SECRET.`
        : endSentence("ice-failed", peer, this.state.value),
    );
  }

  #negotiationFailed(peer: string, error: unknown): void {
    this.#send({
      type: "call:end",
      payload: { to: peer, reason: "ice-failed" },
    });
    this.#end(
      `Setting up the connection to ${peer} failed (${
        (error as Error)?.message ?? error
      }).`,
    );
  }

  /** Runs one negotiation step; a failure ends the call rather than leaving it half set up. */
  #negotiate(step: (webrtc: WebRTCService) => Promise<void>): void {
    const webrtc = this.#webrtc;
    const peer = this.peerId.value;
    if (!webrtc || !peer) return;
    const seq = this.#callSeq;
    step(webrtc).catch((error) => {
      if (seq === this.#callSeq) this.#negotiationFailed(peer, error);
    });
  }

  #clearCallTimers(): void {
    for (const timer of this.#callTimers.values()) {
      this.#deps.clearTimeout(timer);
    }
    this.#callTimers.clear();
  }
  #end(sentence: string): void {
    if (this.#recordingInProgress) void this.#finishRecording();
    this.#callSeq++;
    this.#clearCallTimers();
    this.sharing.value = false;
    this.connectedAt.value = null;
    this.#webrtc?.close();
    this.#webrtc = null;
    stopStream(this.localStream.value);
    this.localStream.value = null;
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
