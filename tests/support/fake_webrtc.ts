/**
 * Stand-ins for the browser's media and WebRTC objects, for testing the call
 * state machine in Deno. They record what was done to them so a test can
 * check that every track was stopped and every connection closed.
 */

/** A media track that records being stopped, and can be unplugged. */
export class FakeTrack extends EventTarget {
  enabled = true;
  readyState: "live" | "ended" = "live";
  constructor(readonly kind: "audio" | "video") {
    super();
  }
  stop(): void {
    this.readyState = "ended";
  }
  /** The device went away: the track ends by itself and says so. */
  unplug(): void {
    this.readyState = "ended";
    this.dispatchEvent(new Event("ended"));
  }
}

/** A media stream of fake tracks. */
export class FakeMediaStream {
  #tracks: FakeTrack[];
  constructor(tracks: FakeTrack[] = []) {
    this.#tracks = [...tracks];
  }
  getTracks(): FakeTrack[] {
    return [...this.#tracks];
  }
  getAudioTracks(): FakeTrack[] {
    return this.#tracks.filter((t) => t.kind === "audio");
  }
  getVideoTracks(): FakeTrack[] {
    return this.#tracks.filter((t) => t.kind === "video");
  }
}

// The machine makes new streams when the camera is switched; Deno has no MediaStream.
(globalThis as Record<string, unknown>).MediaStream ??= FakeMediaStream;

/** A data channel that records what is sent and can be opened and fed by the test. */
export class FakeDataChannel {
  readyState: RTCDataChannelState = "connecting";
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  /** Opens the channel, as when the peer connection connects. */
  open(): void {
    this.readyState = "open";
    this.onopen?.();
  }
  /** A message arrives from the peer. */
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

/** A sender whose track can be replaced; it keeps every set of encodings it was given. */
export class FakeSender {
  encodings: RTCRtpEncodingParameters[] = [{ active: true }];
  /** The encodings of each `setParameters`, in order. */
  parameterChanges: RTCRtpEncodingParameters[][] = [];
  constructor(public track: FakeTrack | null) {}
  replaceTrack(track: FakeTrack | null): Promise<void> {
    this.track = track;
    return Promise.resolve();
  }
  getParameters(): { encodings: RTCRtpEncodingParameters[] } {
    return { encodings: this.encodings.map((encoding) => ({ ...encoding })) };
  }
  setParameters(
    parameters: { encodings: RTCRtpEncodingParameters[] },
  ): Promise<void> {
    this.encodings = parameters.encodings;
    this.parameterChanges.push(parameters.encodings);
    return Promise.resolve();
  }
}

/** A media line of a fake connection: made by this side (a track or a kind), or by the peer's offer. */
export class FakeTransceiver {
  receiver: { track: FakeTrack };
  constructor(
    public sender: FakeSender,
    kind: "audio" | "video",
    public direction: RTCRtpTransceiverDirection,
    /** Made by the peer's offer: a track added later takes it, as in a browser. */
    readonly offered = false,
  ) {
    this.receiver = { track: new FakeTrack(kind) };
  }
}

/**
 * A peer connection with the signaling states of the real one: implicit
 * descriptions, rollback of a local offer when a remote one arrives, and
 * `negotiationneeded` when tracks are added or ICE restarts while stable.
 */
export class FakePeerConnection {
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  signalingState: RTCSignalingState = "stable";
  connectionState: RTCPeerConnectionState = "new";
  iceGatheringState: RTCIceGatheringState = "new";
  closed = false;
  senders: FakeSender[] = [];
  transceivers: FakeTransceiver[] = [];
  /**
   * When set, descriptions carry an `o=` line with this session id, an ICE
   * username fragment of the session and its restarts, and an `m=` line
   * per media line, and an offer with more lines makes them here:
   * enough for a connection to be told from the one it renews.
   */
  sdpSession: string | null = null;
  addedCandidates: RTCIceCandidateInit[] = [];
  iceRestarts = 0;
  failNextRemoteDescription = false;
  onnegotiationneeded: (() => void) | null = null;
  onicecandidate:
    | ((
      event: {
        candidate: { candidate: string; toJSON(): RTCIceCandidateInit } | null;
      },
    ) => void)
    | null = null;
  onicecandidateerror: ((event: { errorCode: number }) => void) | null = null;
  onicegatheringstatechange: (() => void) | null = null;
  ontrack:
    | ((event: { streams: FakeMediaStream[]; track: FakeTrack }) => void)
    | null = null;
  onconnectionstatechange: (() => void) | null = null;
  #offers = 0;
  /** A rollback under way: a remote description is applied after it. */
  #rollback: Promise<void> = Promise.resolve();
  channel = new FakeDataChannel();

  constructor(public config: RTCConfiguration) {}

  createDataChannel(): FakeDataChannel {
    return this.channel;
  }

  getConfiguration(): RTCConfiguration {
    return this.config;
  }
  setConfiguration(config: RTCConfiguration): void {
    this.config = config;
  }
  addTrack(track: FakeTrack): FakeSender {
    const offered = this.transceivers.find((each) =>
      each.offered && !each.sender.track &&
      each.receiver.track.kind === track.kind &&
      !this.senders.includes(each.sender)
    );
    if (offered) {
      offered.sender.track = track;
      offered.direction = "sendrecv";
      this.senders.push(offered.sender);
      return offered.sender;
    }
    const sender = new FakeSender(track);
    this.senders.push(sender);
    this.transceivers.push(
      new FakeTransceiver(sender, track.kind, "sendrecv"),
    );
    this.#negotiationNeeded();
    return sender;
  }
  addTransceiver(
    trackOrKind: FakeTrack | "audio" | "video",
    init: { direction?: RTCRtpTransceiverDirection } = {},
  ): FakeTransceiver {
    const track = typeof trackOrKind === "string" ? null : trackOrKind;
    const sender = new FakeSender(track);
    this.senders.push(sender);
    const transceiver = new FakeTransceiver(
      sender,
      track?.kind ?? trackOrKind as "audio" | "video",
      init.direction ?? "sendrecv",
    );
    this.transceivers.push(transceiver);
    this.#negotiationNeeded();
    return transceiver;
  }
  getTransceivers(): FakeTransceiver[] {
    return [...this.transceivers];
  }
  restartIce(): void {
    this.iceRestarts++;
    this.#negotiationNeeded();
  }
  setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void> {
    if (description?.type === "rollback") {
      // Takes a while, as in a browser; what is asked of the connection
      // meanwhile waits for it (the browser's operations chain).
      this.#rollback = (async () => {
        for (let hop = 0; hop < 4; hop++) await Promise.resolve();
        this.localDescription = null;
        this.signalingState = "stable";
      })();
      return this.#rollback;
    }
    const type = description?.type ??
      (this.signalingState === "have-remote-offer" ? "answer" : "offer");
    const sdp = `v=0 fake ${type} ${++this.#offers}`;
    this.localDescription = {
      type,
      sdp: this.sdpSession === null ? sdp : [
        sdp,
        `o=- ${this.sdpSession} ${this.#offers} IN IP4 0.0.0.0`,
        `a=ice-ufrag:${this.sdpSession}.${this.iceRestarts}`,
        ...this.transceivers.map((each) => `m=${each.receiver.track.kind}`),
      ].join("\n"),
    };
    this.signalingState = type === "offer" ? "have-local-offer" : "stable";
    return Promise.resolve();
  }
  /**
   * Applies the description after the caller's synchronous code, as a
   * browser does: the state a caller checked before may have changed by then.
   */
  async setRemoteDescription(
    description: RTCSessionDescriptionInit,
  ): Promise<void> {
    await this.#rollback;
    if (this.failNextRemoteDescription) {
      this.failNextRemoteDescription = false;
      throw new Error("bad description");
    }
    if (
      description.type === "answer" &&
      this.signalingState !== "have-local-offer"
    ) {
      throw new Error(`answer in state ${this.signalingState}`);
    }
    if (
      description.type === "offer" && this.signalingState === "have-local-offer"
    ) {
      this.localDescription = null; // implicit rollback
    }
    this.remoteDescription = description;
    if (this.sdpSession !== null && description.type === "offer") {
      const kinds = [...(description.sdp ?? "").matchAll(/^m=(\w+)/gm)];
      for (const [, kind] of kinds.slice(this.transceivers.length)) {
        this.transceivers.push(
          new FakeTransceiver(
            new FakeSender(null),
            kind as "audio" | "video",
            "recvonly",
            true,
          ),
        );
      }
    }
    this.signalingState = description.type === "offer"
      ? "have-remote-offer"
      : "stable";
  }
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.remoteDescription) {
      return Promise.reject(new Error("candidate before remote description"));
    }
    this.addedCandidates.push(candidate);
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
    this.signalingState = "closed";
    this.connectionState = "closed";
  }

  /** Fires a local ICE candidate. */
  emitCandidate(candidate: RTCIceCandidateInit): void {
    this.onicecandidate?.({
      candidate: {
        candidate: candidate.candidate ?? "",
        toJSON: () => candidate,
      },
    });
  }
  /** Fires the arrival of the peer's stream. */
  emitTrack(stream: FakeMediaStream): void {
    this.ontrack?.({ streams: [stream], track: stream.getTracks()[0] });
  }
  /** Changes the connection state. */
  setState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
  /** Ends ICE gathering, with or without candidates found before. */
  finishGathering(): void {
    this.iceGatheringState = "complete";
    this.onicegatheringstatechange?.();
  }

  #negotiationNeeded(): void {
    if (this.signalingState !== "stable") return;
    queueMicrotask(() => {
      if (!this.closed && this.signalingState === "stable") {
        this.onnegotiationneeded?.();
      }
    });
  }
}

/** A fake `getUserMedia` that records every stream it hands out. */
export class FakeMedia {
  streams: FakeMediaStream[] = [];
  requests: MediaStreamConstraints[] = [];
  /** When set, the next request fails with a DOMException of this name. */
  failWith: string | null = null;
  /** When set, requests wait until `release()`. */
  #held: (() => void)[] | null = null;

  getUserMedia = async (
    constraints: MediaStreamConstraints,
  ): Promise<MediaStream> => {
    this.requests.push(constraints);
    if (this.#held) {
      await new Promise<void>((resolve) => this.#held!.push(resolve));
    }
    if (this.failWith) {
      const name = this.failWith;
      this.failWith = null;
      throw new DOMException("refused", name);
    }
    const tracks: FakeTrack[] = [];
    if (constraints.audio) tracks.push(new FakeTrack("audio"));
    if (constraints.video) tracks.push(new FakeTrack("video"));
    const stream = new FakeMediaStream(tracks);
    this.streams.push(stream);
    return stream as unknown as MediaStream;
  };

  /** Makes requests wait until `release()`. */
  hold(): void {
    this.#held = [];
  }
  /** Lets waiting requests finish. */
  release(): void {
    const waiting = this.#held ?? [];
    this.#held = null;
    for (const resolve of waiting) resolve();
  }

  /** Every track ever handed out. */
  tracks(): FakeTrack[] {
    return this.streams.flatMap((stream) => stream.getTracks());
  }
}
