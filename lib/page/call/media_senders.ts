/**
 * This side's media on one peer connection: a sender per kind of track,
 * audio ranked first and sent with redundancy (`audio_protection.ts`), a
 * track swapped without renegotiating, a keyframe asked for after a gap,
 * and a renewed connection's media carried over from the old one
 * (`renewal.ts`). Browser-only.
 * @module
 */
import { preferRedundantAudio, prioritizeAudio } from "./audio_protection.ts";
import { sendKeyframe } from "./keyframe.ts";
import { carryOver, type Renewal } from "./renewal.ts";

/** The senders of one connection, by kind of track. */
export class MediaSenders {
  #senders = new Map<string, RTCRtpSender>();
  #pc: RTCPeerConnection;

  constructor(pc: RTCPeerConnection) {
    this.#pc = pc;
  }

  /** Sends every track of `stream`. */
  add(stream: MediaStream): void {
    for (const track of stream.getTracks()) {
      const sender = this.#pc.addTrack(track, stream);
      this.#senders.set(track.kind, sender);
      if (track.kind !== "audio") continue;
      const transceiver = this.#pc.getTransceivers?.().find((each) =>
        each.sender === sender
      );
      if (transceiver) preferRedundantAudio(transceiver);
    }
  }

  /** Puts the replaced connection's media on this one; `offers`: this side makes the offer. */
  carryOver(renewal: Renewal, offers: boolean): void {
    for (const [kind, sender] of carryOver(this.#pc, renewal, offers)) {
      this.#senders.set(kind, sender);
    }
  }

  /** Swaps what is sent for one kind of track, without renegotiating; `null` sends nothing. */
  async replaceTrack(
    kind: "audio" | "video",
    track: MediaStreamTrack | null,
  ): Promise<void> {
    await this.#senders.get(kind)?.replaceTrack(track);
  }

  /**
   * Ranks the audio sender first. Its encodings exist once a local
   * description is set (the callee's sender has none before its answer).
   */
  prioritizeAudio(): void {
    const sender = this.#senders.get("audio");
    if (sender) prioritizeAudio(sender);
  }

  /** Makes the video sender start again from a keyframe (after a gap in the path). */
  sendKeyframe(): Promise<void> {
    const sender = this.#senders.get("video");
    return sender ? sendKeyframe(sender) : Promise.resolve();
  }
}
