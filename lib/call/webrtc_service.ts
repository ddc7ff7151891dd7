/**
 * One peer connection of a call: local tracks out, remote stream in, SDP
 * offer and answer, and trickled ICE candidates queued until the remote
 * description is set. Browser-only; it never imports server code.
 * @module
 */

/** Makes a peer connection; the browser's `RTCPeerConnection`, or a fake in tests. */
export type PeerConnectionFactory = (
  config: RTCConfiguration,
) => RTCPeerConnection;

/** What the service reports about its connection. */
export interface PeerEvents {
  onLocalCandidate(candidate: RTCIceCandidateInit): void;
  onRemoteStream(stream: MediaStream): void;
  onConnectionState(state: RTCPeerConnectionState): void;
  /** ICE gathering finished without a single local candidate: no path can exist. */
  onNoCandidates(): void;
}

function describe(
  description: RTCSessionDescription | null,
): RTCSessionDescriptionInit {
  if (!description) {
    throw new Error("The peer connection has no local description");
  }
  return { type: description.type, sdp: description.sdp };
}

/** The WebRTC side of one call. */
export class WebRTCService {
  #pc: RTCPeerConnection;
  #pendingCandidates: RTCIceCandidateInit[] = [];
  #senders = new Map<string, RTCRtpSender>();
  #closed = false;
  #localCandidates = 0;
  /** A TURN server answered 401: its credentials were refused. */
  relayRefusedCredentials = false;

  constructor(
    create: PeerConnectionFactory,
    config: RTCConfiguration,
    events: PeerEvents,
  ) {
    const pc = create(config);
    this.#pc = pc;
    pc.onicecandidate = (event) => {
      if (event.candidate) {
        this.#localCandidates++;
        events.onLocalCandidate(event.candidate.toJSON());
      }
    };
    pc.onicecandidateerror = (event) => {
      if ((event as RTCPeerConnectionIceErrorEvent).errorCode === 401) {
        this.relayRefusedCredentials = true;
      }
    };
    pc.onicegatheringstatechange = () => {
      if (
        !this.#closed && pc.iceGatheringState === "complete" &&
        this.#localCandidates === 0
      ) {
        events.onNoCandidates();
      }
    };
    pc.ontrack = (event) => {
      const stream = event.streams[0] ?? new MediaStream([event.track]);
      events.onRemoteStream(stream);
    };
    pc.onconnectionstatechange = () => {
      if (!this.#closed) events.onConnectionState(pc.connectionState);
    };
  }

  /** Sends every track of `stream` to the peer. */
  addStream(stream: MediaStream): void {
    for (const track of stream.getTracks()) {
      this.#senders.set(track.kind, this.#pc.addTrack(track, stream));
    }
  }

  /** Swaps what is sent for one kind of track, without renegotiating; `null` sends nothing. */
  async replaceTrack(
    kind: "audio" | "video",
    track: MediaStreamTrack | null,
  ): Promise<void> {
    await this.#senders.get(kind)?.replaceTrack(track);
  }

  /** Uses new ICE servers (fresh TURN credentials) from now on. */
  setIceServers(iceServers: RTCIceServer[]): void {
    this.#pc.setConfiguration({ ...this.#pc.getConfiguration(), iceServers });
  }

  /** Makes the offer, as the caller. */
  async createOffer(): Promise<RTCSessionDescriptionInit> {
    await this.#pc.setLocalDescription(await this.#pc.createOffer());
    return describe(this.#pc.localDescription);
  }

  /** Takes the caller's offer and makes the answer, as the callee. */
  async acceptOffer(
    offer: RTCSessionDescriptionInit,
  ): Promise<RTCSessionDescriptionInit> {
    await this.#pc.setRemoteDescription(offer);
    await this.#addPendingCandidates();
    await this.#pc.setLocalDescription(await this.#pc.createAnswer());
    return describe(this.#pc.localDescription);
  }

  /** Takes the callee's answer, as the caller. */
  async acceptAnswer(answer: RTCSessionDescriptionInit): Promise<void> {
    await this.#pc.setRemoteDescription(answer);
    await this.#addPendingCandidates();
  }

  /** Adds a candidate from the peer, or keeps it until the remote description is set. */
  async addRemoteCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (this.#pc.remoteDescription) await this.#pc.addIceCandidate(candidate);
    else this.#pendingCandidates.push(candidate);
  }

  /** How many peer candidates wait for the remote description. */
  get pendingCandidateCount(): number {
    return this.#pendingCandidates.length;
  }

  /** Closes the connection; its events stop. */
  close(): void {
    this.#closed = true;
    this.#pc.onicecandidate = null;
    this.#pc.ontrack = null;
    this.#pc.onconnectionstatechange = null;
    this.#pc.onicecandidateerror = null;
    this.#pc.onicegatheringstatechange = null;
    this.#pc.close();
  }

  /** The peer connection, for statistics. */
  get peerConnection(): RTCPeerConnection {
    return this.#pc;
  }

  async #addPendingCandidates(): Promise<void> {
    const pending = this.#pendingCandidates.splice(0);
    for (const candidate of pending) await this.#pc.addIceCandidate(candidate);
  }
}
