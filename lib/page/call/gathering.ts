/**
 * This side's ICE gathering on one peer connection: each candidate goes to
 * the peer as it is found and is kept, to go again with an offer sent
 * again; what was found says why a path could not be made (no candidate at
 * all, no relay candidate, TURN credentials refused). Browser-only.
 * @module
 */
import { ofCurrentGeneration } from "./renewal.ts";

/** What the gathering reports. */
export interface GatheringEvents {
  onLocalCandidate(candidate: RTCIceCandidateInit): void;
  /** Gathering finished without a single local candidate: no path can exist. */
  onNoCandidates(): void;
}

/** A candidate's type (host, srflx, prflx, relay), read from its SDP line. */
function candidateType(candidate: RTCIceCandidateInit): string | null {
  return candidate.candidate?.match(/ typ (\w+)/)?.[1] ?? null;
}

/** The candidates this side gathered on one connection. */
export class Gathering {
  #gathered: RTCIceCandidateInit[] = [];
  #pc: RTCPeerConnection;
  /** A TURN server answered 401: its credentials were refused. */
  relayRefusedCredentials = false;
  /** The types of the candidates gathered (host, srflx, relay). */
  readonly types = new Set<string>();

  /** Starts listening to `pc`'s gathering; `stop` ends it. */
  constructor(pc: RTCPeerConnection, events: GatheringEvents) {
    this.#pc = pc;
    pc.onicecandidate = (event) => {
      if (!event.candidate) return;
      const candidate = event.candidate.toJSON();
      this.#gathered.push(candidate);
      const type = candidateType(candidate);
      if (type) this.types.add(type);
      events.onLocalCandidate(candidate);
    };
    pc.onicecandidateerror = (event) => {
      if ((event as RTCPeerConnectionIceErrorEvent).errorCode === 401) {
        this.relayRefusedCredentials = true;
      }
    };
    pc.onicegatheringstatechange = () => {
      if (
        pc.iceGatheringState === "complete" && this.#gathered.length === 0
      ) {
        events.onNoCandidates();
      }
    };
  }

  /** The candidates gathered for the offer `sdp`: those of an ICE generation it replaced stay behind. */
  *of(sdp: string | undefined): Iterable<RTCIceCandidateInit> {
    for (const candidate of this.#gathered) {
      if (ofCurrentGeneration(candidate, sdp)) yield candidate;
    }
  }

  /** Stops listening. */
  stop(): void {
    this.#pc.onicecandidate = null;
    this.#pc.onicecandidateerror = null;
    this.#pc.onicegatheringstatechange = null;
  }
}
