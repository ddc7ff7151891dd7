/**
 * The peer's ICE candidates as one connection takes them: held until the
 * remote description is set, and those of an ICE generation or a
 * connection since replaced dropped (`ofCurrentGeneration`). Browser-only.
 * @module
 */
import { ofCurrentGeneration } from "./renewal.ts";

/** The peer's candidates for one peer connection. */
export class RemoteCandidates {
  #pending: RTCIceCandidateInit[] = [];
  /**
   * This side ignored the peer's last offer in a collision: the candidates
   * that come with it are expected to fail, and their failure is no error.
   */
  ignoring = false;

  constructor(private readonly pc: RTCPeerConnection) {}

  /** Adds `candidate`, or keeps it until the remote description is set. */
  async add(candidate: RTCIceCandidateInit): Promise<void> {
    if (this.pc.remoteDescription) await this.#apply(candidate);
    else this.#pending.push(candidate);
  }

  /** The remote description is set: what was kept goes now, in order. */
  async flush(): Promise<void> {
    for (const candidate of this.#pending.splice(0)) {
      await this.#apply(candidate);
    }
  }

  async #apply(candidate: RTCIceCandidateInit): Promise<void> {
    if (!ofCurrentGeneration(candidate, this.pc.remoteDescription?.sdp)) {
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      if (!this.ignoring) throw error;
    }
  }
}
