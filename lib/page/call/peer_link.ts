/**
 * The peer link: one call's path to the peer, over a `Negotiation`. It
 * sends the negotiation through the signaling session, keeps the ICE
 * servers current, and acts on what `path_recovery.ts` decides of a broken
 * path: an ICE restart, an offer sent again, or giving up, naming the
 * likely cause. After this device's network changes, the connection is
 * renewed rather than restarted (`renewal.ts`).
 * @module
 */
import { effect, type ReadonlySignal } from "@preact/signals";
import type { ClientMessage, EndReason } from "../../wire/protocol.ts";
import {
  applyFromPeer,
  descriptionMessage,
  type FromPeer,
} from "./link_messages.ts";
import type { CallQuality } from "./quality.ts";
import type { TimerDeps } from "./named_timers.ts";
import { Negotiation, type PeerConnectionFactory } from "./negotiation.ts";
import type { PeerRole } from "./peer_role.ts";
import { PathRecovery } from "./path_recovery.ts";
import { renewalOf } from "./renewal.ts";
import { negotiationFailedSentence, pathFailedSentence } from "./words.ts";

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
  /**
   * The link gave up: the call ends, the peer told `reason`, and `sentence`
   * says why to the person. Only the call's owner sends `call:end`.
   */
  failed(reason: EndReason, sentence: string): void;
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

/** One call's connection to its peer. */
export class PeerLink {
  #deps: PeerLinkDeps;
  #setup: PeerLinkSetup;
  #events: PeerLinkEvents;
  #webrtc: Negotiation;
  #recovery: PathRecovery;
  /** Made while the call rang, and not accepted yet. */
  #ringing = false;
  /** A renewed connection is finding its path; the page goes on saying it reconnects. */
  #renewing = false;
  /** The sessions of the peer's connections that renewals replaced. */
  #replacedSessions = new Set<string>();
  /** The local media, once added. */
  #stream: MediaStream | null = null;
  /** The peer's media on a renewed connection, shown once it connects. */
  #renewedStream: MediaStream | null = null;
  #closed = false;
  #unwatchIceServers: () => void;

  constructor(
    deps: PeerLinkDeps,
    setup: PeerLinkSetup,
    events: PeerLinkEvents,
  ) {
    this.#deps = deps;
    this.#setup = setup;
    this.#ringing = setup.ringing === true;
    this.#events = events;
    this.#recovery = new PathRecovery(deps, setup.polite, {
      report: (state) => events.connectionState(state),
      connected: () => {
        this.#renewing = false;
        if (this.#renewedStream) events.remoteStream(this.#renewedStream);
        this.#renewedStream = null;
        events.secured(this.#webrtc.peerConnection);
      },
      restartIce: () => this.#webrtc.restartIce(),
      resendOffer: () => this.#webrtc.resendOffer(),
      keyframe: () => void this.#webrtc.sendKeyframe(),
      giveUp: () => this.#giveUp(),
      quality: (quality) => events.quality(quality),
      peerConnection: () => this.#webrtc.peerConnection,
    });
    this.#webrtc = this.#connect({
      polite: setup.polite,
      holdAnswer: setup.ringing && setup.polite,
    }, {
      // The callee gathers while it rings, so that its candidates are ready on Accept:
      // that reaches only its STUN and TURN servers, nothing of the caller's.
      ...(setup.ringing && setup.polite && { iceCandidatePoolSize: 1 }),
    });
    if (!this.#ringing) this.#recovery.startConnecting();
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
    this.#recovery.startConnecting();
    if (this.#setup.polite) {
      await this.#webrtc.answer().catch((error) =>
        this.#negotiationFailed(error)
      );
    } else {
      if (!prepared) this.#webrtc.resendOffer();
      if (this.#webrtc.awaitingAnswer) this.#recovery.awaitAnswer();
    }
  }

  /** A connection to the peer, reporting to this link; `extra` adds to its configuration. */
  #connect(role: PeerRole, extra: RTCConfiguration = {}): Negotiation {
    const { peer, polite, certificate } = this.#setup;
    const events = this.#events;
    return new Negotiation(
      this.#deps.createPeerConnection,
      {
        iceServers: this.#setup.iceServers.peek(),
        iceTransportPolicy: this.#setup.iceTransportPolicy,
        ...(certificate && { certificates: [certificate] }),
        ...extra,
      },
      {
        onDescription: (description, answers) => {
          if (
            description.type === "offer" && (!polite || this.#renewing) &&
            !this.#ringing
          ) {
            this.#recovery.awaitAnswer();
          }
          events.send(descriptionMessage(peer, description, answers));
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
        onConnectionState: (state) =>
          this.#recovery.changed(state, this.#renewing),
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
    const renews = renewalOf(old, this.#stream, this.#replacedSessions);
    old.close();
    this.#renewing = true;
    this.#recovery.renewing();
    this.#webrtc = this.#connect({
      polite: this.#setup.polite,
      offers,
      renews,
    });
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
  receive(message: FromPeer): void {
    if (
      message.type === "webrtc:offer" &&
      this.#webrtc.fromAnotherConnection(message.payload.offer, this.#yields)
    ) {
      this.#renew(false);
    }
    const webrtc = this.#webrtc;
    // The peer restarts the path: this side gives it time too.
    if (message.type === "webrtc:offer" && this.#recovery.everConnected) {
      this.#recovery.settle();
    }
    applyFromPeer(webrtc, message).then(() => {
      // A renegotiation may bring the peer's transport a new certificate.
      if (
        message.type !== "webrtc:candidate" && this.#recovery.isConnected &&
        !this.#closed
      ) {
        this.#events.secured(webrtc.peerConnection);
      }
    }, (error) => this.#negotiationFailed(error));
  }

  /**
   * This device's network changed: the path the call was on is gone with
   * it. The restart waits for the signaling connection, renewed at the same
   * moment (`resumed`), since an offer sent on the old one would be lost.
   */
  networkChanged(): void {
    this.#recovery.networkChanged();
  }

  /** The signaling connection came back after a drop: the path is mended as `path_recovery.ts` decides. */
  resumed(): void {
    if (this.#closed) return;
    const mend = this.#recovery.afterResume(
      Boolean(this.#setup.certificate),
      this.#webrtc.awaitingAnswer,
    );
    if (mend === "renew") this.#renew(true);
    else if (mend === "restart") this.#webrtc.restartIce();
    else if (mend === "reoffer") this.#reoffer();
  }

  /** Closes the connection and stops its timers; nothing more is reported. */
  close(): void {
    this.#closed = true;
    this.#recovery.close();
    this.#unwatchIceServers();
    this.#webrtc.close();
  }

  #reoffer(): void {
    this.#recovery.settle();
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
    return pathFailedSentence(peer, this.#recovery.everConnected, {
      relayRefusedCredentials: webrtc.gathering.relayRefusedCredentials,
      relayConfigured: iceServers.peek().some((server) =>
        [server.urls].flat().some((url) => /^turns?:/.test(url))
      ),
      relayGathered: webrtc.gathering.types.has("relay"),
      relayOnly: iceTransportPolicy === "relay",
    });
  }

  /** No path to the peer could be made: the call ends, and the page hears why. */
  #giveUp(): void {
    if (this.#closed) return;
    const sentence = this.failureSentence();
    this.close();
    this.#events.failed("ice-failed", sentence);
  }

  /** A step of the negotiation failed: the call cannot be set up, and ends. */
  #negotiationFailed(error: unknown): void {
    if (this.#closed) return;
    this.#events.failed(
      "media-failed",
      negotiationFailedSentence(this.#setup.peer, error),
    );
  }
}
