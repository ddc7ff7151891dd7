/**
 * The peer link: one call's path to the peer, over a `WebRTCService`. It
 * sends the negotiation through the signaling session, keeps the ICE
 * servers current, samples the call's quality, and recovers a broken path:
 * the caller (the impolite side) restarts ICE after 2 s of `disconnected` or
 * at once on `failed`; a path not back within 30 s gives up. A path that
 * never connected gives up on `failed` or after 15 s, naming the likely
 * cause. Media that stops on a path the browser still calls connected
 * counts as broken too (`media_watch.ts`). After this device's network
 * changes, the connection is renewed rather than restarted (`renewal.ts`).
 * @module
 */
import { effect, type ReadonlySignal } from "@preact/signals";
import type { ClientMessage, ServerMessage } from "../../wire/protocol.ts";
import { type CallQuality, sampleQuality } from "./quality.ts";
import { MediaWatch, packetsReceived } from "./media_watch.ts";
import { NamedTimers, type TimerDeps } from "./named_timers.ts";
import { carriedMedia } from "./renewal.ts";
import {
  type PeerConnectionFactory,
  type PeerRole,
  WebRTCService,
} from "./webrtc_service.ts";
import {
  connectionFailedSentence,
  endSentence,
  negotiationFailedSentence,
} from "./words.ts";

/** How long the media path may stay `disconnected` before the caller restarts ICE. */
export const ICE_RESTART_AFTER_MS = 2_000;
/** How long a broken media path may take to come back before the call ends. */
export const ICE_RECOVERY_MS = 30_000;
/**
 * How long a new call may take to connect at all. A path that never worked
 * is not restarted: it ends, with the likely cause, instead of leaving the
 * person at "Connecting…".
 */
export const CONNECT_TIMEOUT_MS = 15_000;
/**
 * How long an offer may wait for its answer before it is sent again: an
 * offer lost in a dead socket must not wait forever.
 */
export const ANSWER_TIMEOUT_MS = 2_500;

/**
 * How long an ICE restart on a connected call is given to find the new
 * path: its checks take a few seconds on a new network, and a stall noticed
 * meanwhile is the same outage, which a second restart would only set back.
 */
export const RESTART_SETTLE_MS = 5_000;

/** What the link needs from the browser. */
export interface PeerLinkDeps extends TimerDeps {
  createPeerConnection: PeerConnectionFactory;
}

/** Where the link reaches the rest of the page. */
export interface PeerLinkEvents {
  /** A signaling message for the peer. */
  send(message: ClientMessage): void;
  remoteStream(stream: MediaStream): void;
  connectionState(state: RTCPeerConnectionState): void;
  quality(quality: CallQuality): void;
  channelOpen(): void;
  peerMessage(message: unknown): void;
  /** The link gave up (the peer has been told); `sentence` says why. */
  failed(sentence: string): void;
  /**
   * The DTLS transport is connected, or the peer's description changed on a
   * connected one: `pc`'s keys can be read (`transport_keys.ts`).
   */
  secured(pc: RTCPeerConnection): void;
}

/** Who the link is to and how it negotiates. */
export interface PeerLinkSetup {
  peer: string;
  /** The callee is polite: it yields when both offer at once, and never restarts ICE. */
  polite: boolean;
  /** The session's ICE servers; a refresh reaches the live connection. */
  iceServers: ReadonlySignal<RTCIceServer[]>;
  iceTransportPolicy: RTCIceTransportPolicy;
  /**
   * Made while the call rings, to be ready when it is answered: the caller
   * offers early, the callee takes the offer without answering; neither
   * waits for a path until `accepted`.
   */
  ringing?: boolean;
  /** This page's lasting certificate (`certificate_store.ts`); null: the browser makes one for the call. */
  certificate?: RTCCertificate | null;
}

type TimerName = "connect" | "restart" | "recovery" | "answer" | "settle";

/** One call's connection to its peer. */
export class PeerLink {
  #deps: PeerLinkDeps;
  #setup: PeerLinkSetup;
  #events: PeerLinkEvents;
  #webrtc: WebRTCService;
  #timers: NamedTimers<TimerName>;
  /** The path has been connected at least once. */
  #connected = false;
  /** Made while the call rang, and not accepted yet. */
  #ringing = false;
  /** This device's network changed since the signaling connection was last ready. */
  #networkChanged = false;
  /** A renewed connection is finding its path; the page goes on saying it reconnects. */
  #renewing = false;
  /** The sessions of the peer's connections that renewals replaced. */
  #replacedSessions = new Set<string>();
  /** The local media, once added. */
  #stream: MediaStream | null = null;
  /** The peer's media on a renewed connection, shown once it connects. */
  #renewedStream: MediaStream | null = null;
  /** Watches for media that stops while the browser still says connected. */
  #watch: MediaWatch | null = null;
  #stopSampling: () => void = () => {};
  #closed = false;
  /** The path's last reported state. */
  #state: RTCPeerConnectionState = "new";
  #unwatchIceServers: () => void;

  constructor(
    deps: PeerLinkDeps,
    setup: PeerLinkSetup,
    events: PeerLinkEvents,
  ) {
    this.#deps = deps;
    this.#timers = new NamedTimers(deps);
    this.#setup = setup;
    this.#ringing = setup.ringing === true;
    this.#events = events;
    this.#webrtc = this.#connect({
      polite: setup.polite,
      holdAnswer: setup.ringing && setup.polite,
    }, {
      // The callee gathers while it rings, so that its candidates are ready on Accept:
      // that reaches only its STUN and TURN servers, nothing of the caller's.
      ...(setup.ringing && setup.polite && { iceCandidatePoolSize: 1 }),
    });
    if (!this.#ringing) this.#startConnecting();
    let first = true;
    this.#unwatchIceServers = effect(() => {
      const iceServers = setup.iceServers.value;
      if (!first) this.#webrtc.setIceServers(iceServers);
      first = false;
    });
  }

  /**
   * The call rang and is now accepted. The callee answers the offer it
   * held; the caller sends its offer again if the callee did not take it
   * while ringing (`prepared` false: an older client).
   */
  async accepted(prepared: boolean): Promise<void> {
    if (!this.#ringing || this.#closed) return;
    this.#ringing = false;
    this.#startConnecting();
    if (this.#setup.polite) {
      await this.#webrtc.answer().catch((error) =>
        this.#negotiationFailed(error)
      );
    } else {
      if (!prepared) this.#webrtc.resendOffer();
      if (this.#webrtc.awaitingAnswer) this.#awaitAnswer();
    }
  }

  /** A connection to the peer, reporting to this link; `extra` adds to its configuration. */
  #connect(role: PeerRole, extra: RTCConfiguration = {}): WebRTCService {
    const { peer, polite, certificate } = this.#setup;
    const events = this.#events;
    return new WebRTCService(
      this.#deps.createPeerConnection,
      {
        iceServers: this.#setup.iceServers.peek(),
        iceTransportPolicy: this.#setup.iceTransportPolicy,
        ...(certificate && { certificates: [certificate] }),
        ...extra,
      },
      {
        onDescription: (description) => {
          if (
            description.type === "offer" && (!polite || this.#renewing) &&
            !this.#ringing
          ) {
            this.#awaitAnswer();
          }
          events.send(
            description.type === "offer"
              ? {
                type: "webrtc:offer",
                payload: { to: peer, offer: description },
              }
              : {
                type: "webrtc:answer",
                payload: { to: peer, answer: description },
              },
          );
        },
        onLocalCandidate: (candidate) =>
          events.send({
            type: "webrtc:candidate",
            payload: { to: peer, candidate },
          }),
        onRemoteStream: (stream) => {
          // The old stream's last frame stays on screen until the new path is up.
          if (this.#renewing) this.#renewedStream = stream;
          else events.remoteStream(stream);
        },
        onConnectionState: (state) => this.#pathChanged(state),
        onNoCandidates: () => this.#giveUp(),
        onChannelOpen: events.channelOpen,
        onPeerMessage: events.peerMessage,
        onError: (error) => this.#negotiationFailed(error),
      },
      role,
    );
  }

  /**
   * Replaces the connection with a new one that carries the same media
   * (`renewal.ts`): this side offers it after its own network changed, or
   * answers the peer's offer of one. Until it connects the page says it
   * reconnects, and the recovery window runs as for any broken path.
   */
  #renew(offers: boolean): void {
    const old = this.#webrtc;
    const replaced = old.remoteSession;
    if (replaced) this.#replacedSessions.add(replaced);
    const media = carriedMedia(old.peerConnection);
    old.close();
    this.#stopWatching();
    for (const name of ["answer", "restart"] as const) this.#timers.clear(name);
    this.#renewing = true;
    this.#settling();
    this.#recovering();
    this.#webrtc = this.#connect({
      polite: this.#setup.polite,
      offers,
      renews: {
        media,
        stream: this.#stream ?? new MediaStream(),
        replacedSessions: this.#replacedSessions,
      },
    });
    this.#state = "disconnected";
    this.#events.connectionState("disconnected");
  }

  /**
   * Both sides renewed at once: the polite side's new connection, still
   * waiting for its first answer, gives way to the peer's.
   */
  get #yields(): boolean {
    return this.#setup.polite && this.#renewing;
  }

  /** A renewed connection is finding its path (the socket need not be renewed for it). */
  get renewing(): boolean {
    return this.#renewing;
  }

  /** The path broke: it must be back within `ICE_RECOVERY_MS` (from the first break). */
  #recovering(): void {
    if (!this.#timers.has("recovery")) {
      this.#timers.set("recovery", () => this.#giveUp(), ICE_RECOVERY_MS);
    }
  }

  /** A path must be up within `CONNECT_TIMEOUT_MS`. */
  #startConnecting(): void {
    this.#timers.set("connect", () => this.#giveUp(), CONNECT_TIMEOUT_MS);
  }

  /** Sends the local media (the callee's waits for the caller's offer). */
  addStream(stream: MediaStream): void {
    this.#stream = stream;
    this.#webrtc.addStream(stream);
  }

  /** Sends `track` in place of the current one of its kind, without renegotiating. */
  replaceTrack(
    kind: "audio" | "video",
    track: MediaStreamTrack | null,
  ): Promise<void> {
    return this.#webrtc.replaceTrack(kind, track);
  }

  /** A message to the peer over the data channel; false when it cannot go now. */
  sendToPeer(message: unknown): boolean {
    return this.#webrtc.sendToPeer(message);
  }

  /** A negotiation message from the peer; a step that fails ends the call rather than leaving it half set up. */
  receive(
    message: Extract<
      ServerMessage,
      { type: "webrtc:offer" | "webrtc:answer" | "webrtc:candidate" }
    >,
  ): void {
    if (
      message.type === "webrtc:offer" &&
      this.#webrtc.fromAnotherConnection(message.payload.offer, this.#yields)
    ) {
      this.#renew(false);
    }
    const webrtc = this.#webrtc;
    // The peer restarts the path: this side gives it time too.
    if (message.type === "webrtc:offer" && this.#connected) this.#settling();
    const step = message.type === "webrtc:candidate"
      ? webrtc.addRemoteCandidate(message.payload.candidate)
      : webrtc.receiveDescription(
        message.type === "webrtc:offer"
          ? message.payload.offer
          : message.payload.answer,
      ).then(() => {
        // A renegotiation may bring the peer's transport a new certificate.
        if (this.#state === "connected" && !this.#closed) {
          this.#events.secured(webrtc.peerConnection);
        }
      });
    step.catch((error) => this.#negotiationFailed(error));
  }

  /**
   * This device's network changed: the path the call was on is gone with
   * it. The restart waits for the signaling connection, renewed at the same
   * moment (`resumed`), since an offer sent on the old one would be lost.
   */
  networkChanged(): void {
    if (this.#connected) this.#networkChanged = true;
  }

  /**
   * The signaling connection came back after a drop: what was sent meanwhile
   * may be lost, so the caller offers again at once if its offer is still
   * unanswered or the path is not up. After a change of this device's
   * network either side renews the connection at once (or, without a
   * lasting certificate, restarts ICE); the peer may not yet know its path
   * is dead, and waiting for it would cost the seconds its stall watch
   * takes (perfect negotiation settles both offering at once).
   */
  resumed(): void {
    if (this.#closed) return;
    const networkChanged = this.#networkChanged;
    this.#networkChanged = false;
    // Without a lasting certificate a new connection would change the verification code.
    if (networkChanged && this.#setup.certificate) return this.#renew(true);
    if (this.#setup.polite) {
      if (networkChanged) {
        this.#settling();
        this.#webrtc.restartIce();
      }
      return;
    }
    if (networkChanged || this.#webrtc.awaitingAnswer) return this.#reoffer();
    if (this.#timers.has("settle")) return;
    if (this.#state !== "connected" || this.#watch?.stalled) this.#reoffer();
  }

  /** A restart is under way: no other for `RESTART_SETTLE_MS`, unless its offer goes unanswered. */
  #settling(): void {
    this.#timers.set("settle", () => {}, RESTART_SETTLE_MS);
  }

  /** Closes the connection and stops its timers; nothing more is reported. */
  close(): void {
    this.#closed = true;
    this.#stopWatching();
    this.#unwatchIceServers();
    this.#timers.clearAll();
    this.#webrtc.close();
  }

  #pathChanged(state: RTCPeerConnectionState): void {
    // A renewed connection starting up is the call still reconnecting.
    if (this.#renewing && (state === "new" || state === "connecting")) return;
    // The browser gave up on a path that carried media a moment ago, before this page
    // saw it stall: it knows this device's network went (Firefox says so at once, and
    // has no `online` event to tell it by).
    if (
      (state === "disconnected" || state === "failed") &&
      this.#state === "connected" && this.#watch && !this.#watch.stalled
    ) {
      this.#networkChanged = true;
    }
    this.#state = state;
    this.#events.connectionState(state);
    if (state === "connected") {
      for (const name of ["connect", "restart", "recovery"] as const) {
        this.#timers.clear(name);
      }
      // A renewal that connected is over: a new break may renew again at once.
      if (this.#renewing) this.#timers.clear("settle");
      this.#renewing = false;
      if (this.#renewedStream) this.#events.remoteStream(this.#renewedStream);
      this.#renewedStream = null;
      this.#events.secured(this.#webrtc.peerConnection);
      this.#connected = true;
      if (!this.#watch) {
        this.#stopSampling = sampleQuality(
          this.#deps,
          () => this.#webrtc.peerConnection.getStats(),
          this.#events.quality,
        );
        this.#watch = new MediaWatch(
          this.#deps,
          () => packetsReceived(this.#webrtc.peerConnection),
          { stalled: () => this.#stalled(), flowing: () => this.#flowing() },
        );
      }
      return;
    }
    if (state !== "disconnected" && state !== "failed") return;
    // A path that never worked has nothing to restart: it failed.
    if (!this.#connected) {
      if (state === "failed") this.#giveUp();
      return;
    }
    this.#recovering();
    if (this.#setup.polite) return;
    if (state === "failed") {
      this.#webrtc.restartIce();
    } else if (!this.#timers.has("restart")) {
      this.#timers.set("restart", () => {
        if (this.#state === "disconnected") this.#webrtc.restartIce();
      }, ICE_RESTART_AFTER_MS);
    }
  }

  /**
   * Media stopped on a path the browser still calls connected: the page
   * says it is reconnecting now rather than after the browser's own 5 to
   * 6 s, which renews the signaling socket; once it is back (`resumed`) the
   * caller offers again with an ICE restart, over the socket that works.
   */
  #stalled(): void {
    if (this.#closed || this.#state !== "connected") return;
    this.#events.connectionState("disconnected");
    this.#recovering();
  }

  /**
   * Media arrives again after a stall: the path is back both ways, and the
   * peer's video decoder waits for a keyframe.
   */
  #flowing(): void {
    if (this.#closed) return;
    this.#timers.clear("settle");
    this.#webrtc.sendKeyframe();
    if (this.#state !== "connected") return;
    this.#timers.clear("recovery");
    this.#events.connectionState("connected");
  }

  /** This side's offer must be answered within `ANSWER_TIMEOUT_MS`, or it is sent again. */
  #awaitAnswer(): void {
    this.#timers.set(
      "answer",
      () => this.#offerUnanswered(),
      ANSWER_TIMEOUT_MS,
    );
  }

  /** Stops watching the connection's media and sampling its quality; the next connect starts both again. */
  #stopWatching(): void {
    this.#watch?.stop();
    this.#watch = null;
    this.#stopSampling();
    this.#stopSampling = () => {};
  }

  /**
   * This side's offer got no answer in time: the same offer goes again, with
   * its candidates. Not a new one: the first offer's answer may only be late,
   * and an answer that comes after a new offer would be taken as that one's,
   * leaving the two sides with different ICE credentials.
   */
  #offerUnanswered(): void {
    if (!this.#closed) this.#webrtc.resendOffer();
  }

  #reoffer(): void {
    this.#settling();
    this.#webrtc.reoffer().catch((error) => this.#negotiationFailed(error));
  }

  /**
   * Why the path failed, as well as this side can tell: a path that worked
   * and broke is said plainly; one that never connected names its likely
   * cause from what was gathered.
   */
  failureSentence(): string {
    const { peer, iceTransportPolicy, iceServers } = this.#setup;
    const webrtc = this.#webrtc;
    if (this.#connected) return endSentence("ice-failed", peer, "active");
    return connectionFailedSentence(peer, {
      relayRefusedCredentials: webrtc.relayRefusedCredentials,
      relayConfigured: iceServers.peek().some((server) =>
        [server.urls].flat().some((url) => /^turns?:/.test(url))
      ),
      relayGathered: webrtc.localTypes.has("relay"),
      relayOnly: iceTransportPolicy === "relay",
    });
  }

  /** No path to the peer could be made: the peer is told, and the page hears why. */
  #giveUp(): void {
    if (this.#closed) return;
    const sentence = this.failureSentence();
    this.#events.send({
      type: "call:end",
      payload: { to: this.#setup.peer, reason: "ice-failed" },
    });
    this.close();
    this.#events.failed(sentence);
  }

  #negotiationFailed(error: unknown): void {
    if (this.#closed) return;
    const { peer } = this.#setup;
    this.#events.send({
      type: "call:end",
      payload: { to: peer, reason: "ice-failed" },
    });
    this.#events.failed(negotiationFailedSentence(peer, error));
  }
}
