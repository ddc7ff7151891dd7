/**
 * The call machine's state and the steps every transition is made of:
 * the signals the page renders, the call's parts (the server connection,
 * the camera and microphone, the peer link, chat, recording, verification),
 * and how a call begins, gets its devices and its link, and ends, which
 * releases the camera and microphone and closes the link. The transitions
 * themselves, what each action and each server message does, are
 * `call_machine.ts`'s.
 * @module
 */
import { computed, signal } from "@preact/signals";
import type {
  ClientMessage,
  GuestCard,
  ServerMessage,
} from "../../wire/protocol.ts";
import { CallRecording, type CallRecordingDeps } from "./call_recording.ts";
import { CallVerification } from "./call_verification.ts";
import { LocalMedia, type LocalMediaDeps } from "./local_media.ts";
import { PeerChannel } from "./peer_channel.ts";
import { PeerLink, type PeerLinkDeps } from "./peer_link.ts";
import type { CallQuality } from "./quality.ts";
import type { SignalingConnector } from "./signaling_client.ts";
import { ServerConnection } from "./server_connection.ts";
import type { CallState } from "./types.ts";
import { RECORDING_CUT_SHORT, statusSentence } from "./words.ts";
import { guestCallerName } from "../../wire/link_api.ts";

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

/** One page's call: what it shows and what it is made of. */
export abstract class CallBase {
  /** The call's state. */
  readonly state = signal<CallState>("idle");
  /** The other party of the current call. */
  readonly peerId = signal<string | null>(null);
  /** A guest who called by a call link: who they say they are, and the link. */
  readonly guest = signal<GuestCard | null>(null);
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
  readonly signaling: ServerConnection;
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
      peer: this.peerId.value && this.peerName,
      session: this.signaling.state.value,
      withVideo: this.withVideo.value,
      connection: this.connectionState.value,
      notice: this.notice.value,
      selfId: this.signaling.selfId.value,
    })
  );

  #deps: CallMachineDeps;
  protected link: PeerLink | null = null;
  /** The camera and microphone starting while the call rings; Accept waits for it. */
  protected warming: Promise<void> | null = null;
  protected readonly recorder: CallRecording;
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
      inCall: () => !this.isFree(),
      active: () => this.state.value === "active",
      withVideo: () => this.withVideo.value,
      notify: (sentence) => {
        this.notice.value = sentence;
      },
      send: async (kind, track) => await this.link?.replaceTrack(kind, track),
      changed: () => this.publishState(),
    });
    this.recorder = new CallRecording(deps);
    this.recording = this.recorder.recording;
    this.signaling = new ServerConnection(deps, {
      onMessage: (message) => this.handleMessage(message),
      onReady: (resumed) => {
        const peer = this.peerId.value;
        if (resumed && this.state.value === "active" && peer) {
          this.send({ type: "call:resume", payload: { to: peer } });
          this.link?.resumed();
        }
      },
      onSignedOut: (sentence) => {
        if (this.isFree()) this.notice.value = sentence;
        else this.end(sentence);
      },
      urgent: () => !this.isFree(),
    });
    // The old socket and media path may be dead on a network that is gone: both move at
    // once, instead of after the seconds the stall watch and the heartbeat take.
    deps.watchNetwork?.(() => {
      this.link?.networkChanged();
      this.signaling.reconnectNow();
    });
  }

  /** Handles one call message from the server: a transition. */
  abstract handleMessage(message: ServerMessage): void;

  /**
   * The other party as sentences name them: their id, or a guest's name
   * and the link they came by.
   */
  get peerName(): string {
    const guest = this.guest.value;
    return guest ? guestCallerName(guest) : this.peerId.value ?? "";
  }

  /** A new call attempt with `peer` (a guest: `guest`): everything of the last call is reset. */
  protected beginCall(peer: string, video: boolean, guest?: GuestCard): void {
    if (this.#idleTimer !== null) this.#deps.clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    // A call placed a moment ago that gives way in glare takes its offer with it.
    this.link?.close();
    this.link = null;
    this.warming = null;
    this.peerId.value = peer;
    this.guest.value = guest ?? null;
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

  protected startLink(peer: string, polite: boolean, ringing = false): void {
    const link = new PeerLink(this.#deps, {
      peer,
      polite,
      ringing,
      iceServers: this.signaling.iceServers,
      iceTransportPolicy: this.signaling.iceTransportPolicy,
      certificate: this.verification.certificate,
    }, {
      send: (message) => this.send(message),
      remoteStream: (stream) => {
        // A renewed connection brings the peer's media on new tracks: the recording of
        // the old ones ends, and its file is handed over.
        if (this.recording.value && this.remoteStream.value !== stream) {
          void this.finishRecording();
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
      channelOpen: () => this.publishState(),
      peerMessage: (message) => this.channel.receive(message),
      failed: (reason, sentence) => {
        this.send({ type: "call:end", payload: { to: peer, reason } });
        this.end(sentence);
      },
      secured: (pc) => void this.verification.check(pc),
    });
    this.link = link;
    if (this.media.stream.value) link.addStream(this.media.stream.value);
  }

  /** Tells the peer about this side's media. */
  protected publishState(): void {
    this.channel.publish(this.link, {
      muted: this.media.micMuted.value,
      cameraOff: this.media.cameraOff.value,
      sharing: this.media.sharing.value,
      recording: this.recording.value,
    });
  }

  protected async finishRecording(): Promise<void> {
    const finished = this.recorder.finish(this.peerId.value);
    this.publishState();
    await finished;
  }

  protected end(sentence: string): void {
    if (this.recording.value) void this.finishRecording();
    this.#callSeq++;
    this.connectedAt.value = null;
    this.link?.close();
    this.link = null;
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

  protected send(message: ClientMessage): void {
    this.signaling.send(message);
  }

  protected isFree(): boolean {
    return this.state.value === "idle" || this.state.value === "ended";
  }
}
