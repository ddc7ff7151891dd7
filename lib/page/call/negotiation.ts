/**
 * One peer connection of a call, negotiated by the perfect-negotiation
 * pattern (MDN): either side may renegotiate at any time (an ICE restart, a
 * new track), and when both offer at once the polite side (the callee)
 * yields. Remote ICE candidates wait until the remote description is set
 * (`remote_candidates.ts`).
 * Its media is `media_senders.ts`'s, its data channel `data_channel.ts`'s.
 * Browser-only; it never imports server code.
 * @module
 */
import {
  type DataChannelEvents,
  openDataChannel,
  sendOnChannel,
  silence,
} from "./data_channel.ts";
import { Gathering, type GatheringEvents } from "./gathering.ts";
import { MediaSenders } from "./media_senders.ts";
import { RemoteCandidates } from "./remote_candidates.ts";
import type { PeerRole } from "./peer_role.ts";
import { type Renewal, sessionOf, versionOf } from "./renewal.ts";

/** Makes a peer connection; the browser's `RTCPeerConnection`, or a fake in tests. */
export type PeerConnectionFactory = (
  config: RTCConfiguration,
) => RTCPeerConnection;

/** What the negotiation reports about its connection. */
export interface PeerEvents extends DataChannelEvents, GatheringEvents {
  /**
   * A description to send to the peer: an offer, or an answer with the
   * version of the offer it answers (`versionOf`).
   */
  onDescription(
    description: RTCSessionDescriptionInit,
    answers?: string,
  ): void;
  onRemoteStream(stream: MediaStream): void;
  onConnectionState(state: RTCPeerConnectionState): void;
  /** Negotiating failed; the call cannot go on. */
  onError(error: unknown): void;
}

function describe(
  description: RTCSessionDescription | null,
): RTCSessionDescriptionInit {
  if (!description) {
    throw new Error("The peer connection has no local description");
  }
  return { type: description.type, sdp: description.sdp };
}

/** One peer connection of a call and its negotiation. */
export class Negotiation {
  #pc: RTCPeerConnection;
  #events: PeerEvents;
  #polite: boolean;
  #offers: boolean;
  /** The media to carry over, until this side's tracks are on the new connection. */
  #carried: Renewal | null;
  #replacedSessions: ReadonlySet<string>;
  #candidates: RemoteCandidates;
  #senders: MediaSenders;
  /** The callee's media, added once the caller's offer has made its transceivers. */
  #unsentStream: MediaStream | null = null;
  #makingOffer = false;
  /**
   * This side's last offer as it was sent. The local description itself
   * gains each candidate as it is gathered: sent again, it would read as
   * another offer.
   */
  #offer: RTCSessionDescriptionInit | null = null;
  /** The version of the peer's offer this side answers (`versionOf`), as the peer sent it. */
  #answering: string | undefined;
  /** The offer last sent again because the peer's offer met it (`#receiveDescription`). */
  #resentOnCollision: RTCSessionDescriptionInit | null = null;
  #closed = false;
  #holdAnswer: boolean;
  /** The peer's descriptions and candidates, applied one after another. */
  #turns: Promise<void> = Promise.resolve();
  #channel: RTCDataChannel | null = null;
  /** This side's candidates, and what they say of the paths it can offer. */
  readonly gathering: Gathering;

  constructor(
    create: PeerConnectionFactory,
    config: RTCConfiguration,
    events: PeerEvents,
    role: PeerRole,
  ) {
    const pc = create(config);
    this.#pc = pc;
    this.#senders = new MediaSenders(pc);
    this.#candidates = new RemoteCandidates(pc);
    this.gathering = new Gathering(pc, events);
    this.#events = events;
    this.#polite = role.polite;
    this.#offers = role.offers ?? !role.polite;
    this.#carried = role.renews ?? null;
    this.#replacedSessions = role.renews?.replacedSessions ?? new Set();
    this.#holdAnswer = role.holdAnswer === true;
    pc.onnegotiationneeded = async () => {
      try {
        this.#makingOffer = true;
        await pc.setLocalDescription();
        this.#senders.prioritizeAudio();
        this.#offer = describe(pc.localDescription);
        if (!this.#closed) events.onDescription(this.#offer);
      } catch (error) {
        if (!this.#closed) events.onError(error);
      } finally {
        this.#makingOffer = false;
      }
    };
    pc.ontrack = (event) => {
      events.onRemoteStream(event.streams[0] ?? new MediaStream([event.track]));
    };
    pc.onconnectionstatechange = () => {
      if (!this.#closed) events.onConnectionState(pc.connectionState);
    };
    // The offerer's channel goes into its first offer; the other side's waits for that offer.
    if (this.#offers) this.#channel = openDataChannel(pc, events);
    if (this.#offers && this.#carried) this.#carryOver(this.#carried);
  }

  /** Sends a message to the peer over the data channel, if it is open. */
  sendToPeer(message: unknown): boolean {
    return sendOnChannel(this.#channel, message);
  }

  /**
   * Sends every track of `stream` to the peer. The caller's tracks start the
   * negotiation; the callee's wait for the caller's offer (and, while the
   * call rings, for `answer`), so they fill the transceivers it made instead
   * of asking for a second round.
   */
  addStream(stream: MediaStream): void {
    if (
      !this.#offers &&
      (!this.#pc.remoteDescription || this.#holdAnswer)
    ) {
      this.#unsentStream = stream;
      return;
    }
    this.#senders.add(stream);
  }

  /** Puts the replaced connection's media on this one (`renewal.ts`). */
  #carryOver(renewal: Renewal): void {
    this.#carried = null;
    this.#senders.carryOver(renewal, this.#offers);
  }

  /**
   * The offer comes from a connection of the peer's other than the one this
   * connection talks to: the peer renewed its side (`renewal.ts`). With
   * `unanswered`, so does an offer to a connection that has not heard from
   * the peer yet.
   */
  fromAnotherConnection(
    offer: RTCSessionDescriptionInit,
    unanswered = false,
  ): boolean {
    const current = this.remoteSession;
    const offered = sessionOf(offer.sdp);
    if (offered === null || this.#replacedSessions.has(offered)) return false;
    return current === null ? unanswered : offered !== current;
  }

  /** The session of the peer's connection this one is talking to; null before its first description. */
  get remoteSession(): string | null {
    return sessionOf(this.#pc.remoteDescription?.sdp);
  }

  /** Swaps what is sent for one kind of track, without renegotiating; `null` sends nothing. */
  replaceTrack(
    kind: "audio" | "video",
    track: MediaStreamTrack | null,
  ): Promise<void> {
    return this.#senders.replaceTrack(kind, track);
  }

  /**
   * Runs `step` after every step taken before it: what the peer sends is
   * applied in the order it came. Two answers to one offer (it was sent
   * again) would otherwise both be checked against the state before the
   * first was applied, and the second fail.
   */
  #inTurn(step: () => Promise<void>): Promise<void> {
    const turn = this.#turns.then(step);
    this.#turns = turn.catch(() => {});
    return turn;
  }

  /**
   * Takes a description from the peer: an offer (answered) or an answer;
   * `answers`, where the peer says, names the offer it answers.
   */
  receiveDescription(
    description: RTCSessionDescriptionInit,
    answers?: string,
  ): Promise<void> {
    return this.#inTurn(() => this.#receiveDescription(description, answers));
  }

  async #receiveDescription(
    description: RTCSessionDescriptionInit,
    answers?: string,
  ): Promise<void> {
    const pc = this.#pc;
    if (description.type === "answer") {
      // No offer waits: the second answer to an offer sent twice, or one to an offer
      // since rolled back and made anew.
      if (pc.signalingState === "stable") return;
      // An answer to an older offer than the one waiting: taken as this one's,
      // it would leave the two sides with different ICE credentials.
      if (answers && answers !== versionOf(this.#offer?.sdp)) return;
    }
    // From the peer's connection that a renewal replaced: late, and for nothing.
    if (this.#replacedSessions.has(sessionOf(description.sdp) ?? "")) return;
    const collision = description.type === "offer" &&
      (this.#makingOffer || pc.signalingState !== "stable");
    this.#candidates.ignoring = !this.#polite && collision;
    if (this.#candidates.ignoring) {
      // The peer offered rather than answer: this side's offer may have been lost
      // on its way (the peer's socket was down). Once for each offer, so that two
      // sides that both ignore never trade offers back and forth; an offer still
      // being made goes out anyway.
      if (!this.#makingOffer && this.#resentOnCollision !== this.#offer) {
        this.#resentOnCollision = this.#offer;
        this.resendOffer();
      }
      return;
    }
    await pc.setRemoteDescription(description);
    if (description.type === "offer") {
      this.#answering = versionOf(description.sdp) ?? undefined;
      this.#channel ??= openDataChannel(pc, this.#events);
      if (!this.#holdAnswer) await this.#answer();
    }
    await this.#candidates.flush();
  }

  /**
   * Answers the offer held while the call rang (the call is accepted): this
   * side's tracks join it, and its answer and candidates go now. Without an
   * offer yet, the answer goes when the offer comes.
   */
  answer(): Promise<void> {
    this.#holdAnswer = false;
    return this.#inTurn(async () => {
      if (this.#pc.signalingState === "have-remote-offer") await this.#answer();
    });
  }

  async #answer(): Promise<void> {
    const stream = this.#unsentStream;
    this.#unsentStream = null;
    if (stream) this.addStream(stream);
    if (this.#carried) this.#carryOver(this.#carried);
    await this.#pc.setLocalDescription();
    this.#senders.prioritizeAudio();
    this.#events.onDescription(
      describe(this.#pc.localDescription),
      this.#answering,
    );
  }

  /**
   * Sends this side's offer and its candidates again, unchanged: for a
   * callee that did not take them while the call rang (an older client), and
   * for an offer whose answer is late or lost. Candidates of an ICE
   * generation the offer replaced stay behind.
   */
  resendOffer(): void {
    const offer = this.#offer;
    if (!this.awaitingAnswer || !offer) return;
    this.#events.onDescription(offer);
    for (const candidate of this.gathering.of(offer.sdp)) {
      this.#events.onLocalCandidate(candidate);
    }
  }

  /** Adds a candidate from the peer, or keeps it until the remote description is set. */
  addRemoteCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    return this.#inTurn(() => this.#candidates.add(candidate));
  }

  /** Makes the video sender start again from a keyframe (after a gap in the path). */
  sendKeyframe(): Promise<void> {
    return this.#senders.sendKeyframe();
  }

  /** Starts an ICE restart: new candidates are gathered and a new offer is made. */
  restartIce(): void {
    this.#pc.restartIce();
  }

  /** This side's offer is still waiting for its answer. */
  get awaitingAnswer(): boolean {
    return this.#pc.signalingState === "have-local-offer";
  }

  /**
   * Offers again, with an ICE restart: an offer whose answer never came (it
   * went into a socket that had died) is rolled back first, since a
   * connection waiting for an answer makes no new offer. In turn with the
   * peer's descriptions: an answer already on its way, checked while the
   * rollback was still pending, would meet a connection with no offer.
   */
  reoffer(): Promise<void> {
    return this.#inTurn(async () => {
      if (this.#closed) return;
      if (this.awaitingAnswer) {
        await this.#pc.setLocalDescription({ type: "rollback" });
      }
      this.#pc.restartIce();
    });
  }

  /** Uses new ICE servers (fresh TURN credentials) from now on. */
  setIceServers(iceServers: RTCIceServer[]): void {
    this.#pc.setConfiguration({ ...this.#pc.getConfiguration(), iceServers });
  }

  /** Closes the connection; its events stop. */
  close(): void {
    this.#closed = true;
    const pc = this.#pc;
    pc.onnegotiationneeded = null;
    this.gathering.stop();
    pc.ontrack = null;
    pc.onconnectionstatechange = null;
    silence(this.#channel);
    pc.close();
  }

  /** The peer connection, for statistics. */
  get peerConnection(): RTCPeerConnection {
    return this.#pc;
  }
}
