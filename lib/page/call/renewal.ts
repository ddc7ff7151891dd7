/**
 * Renewing a call's connection: after this device's network changes, a new
 * `RTCPeerConnection` takes the old one's place. An ICE restart on the old
 * connection finds the new path slowly: Chromium keeps the dead pair as
 * "receiving" for its 2.5 s receive timeout and meanwhile checks the new
 * pairs at its slow pace, some 4 s in all behind a symmetric NAT. A new
 * connection has no old pair and checks at once, as a new call does.
 *
 * The new connection carries what the old one carried: the same kinds of
 * media lines in the same order, the tracks being sent, under the page's
 * lasting certificate, so the verification code holds. The peer learns of
 * it from the offer itself: its SDP's `o=` line names another session
 * (RFC 8866 §5.2), and the peer renews its side too.
 * @module
 */
import { preferRedundantAudio } from "./audio_protection.ts";

/** One media line of a connection, as a renewed one must carry it again. */
export interface CarriedMedia {
  kind: "audio" | "video";
  /** What this side sends on it now; null: nothing for the moment (the camera is off). */
  track: MediaStreamTrack | null;
  /** This side sends on it; false: it only receives (answered receive-only). */
  sends: boolean;
}

/** What a renewed connection carries over from the one it replaces. */
export interface Renewal {
  /** The old connection's media lines. */
  media: CarriedMedia[];
  /** The stream this side's tracks go in, so the peer receives them as one. */
  stream: MediaStream;
  /** The sessions of the peer's replaced connections: what still comes from them is late, and ignored. */
  replacedSessions: ReadonlySet<string>;
}

/**
 * What a connection replacing `old` carries: its media lines, this side's
 * `stream` (a new one when nothing was sent), and the peer's sessions
 * replaced so far, `old`'s added to `replacedSessions`.
 */
export function renewalOf(
  old: { remoteSession: string | null; peerConnection: RTCPeerConnection },
  stream: MediaStream | null,
  replacedSessions: Set<string>,
): Renewal {
  if (old.remoteSession) replacedSessions.add(old.remoteSession);
  return {
    media: carriedMedia(old.peerConnection),
    stream: stream ?? new MediaStream(),
    replacedSessions,
  };
}

/** The media lines of `pc`, in order, with what this side sends on each. */
export function carriedMedia(pc: RTCPeerConnection): CarriedMedia[] {
  return pc.getTransceivers()
    .filter((transceiver) => transceiver.direction !== "stopped")
    .map((transceiver) => ({
      kind: transceiver.receiver.track.kind as "audio" | "video",
      track: transceiver.sender.track,
      sends: transceiver.direction === "sendrecv" ||
        transceiver.direction === "sendonly",
    }));
}

/** The session id of a description's `o=` line; null without one. */
export function sessionOf(sdp: string | undefined): string | null {
  return sdp?.match(/^o=\S+ (\S+) /m)?.[1] ?? null;
}

/** The session id and version of a description's `o=` line, which name one offer; null without one. */
export function versionOf(sdp: string | undefined): string | null {
  return sdp?.match(/^o=\S+ (\S+ \S+) /m)?.[1] ?? null;
}

/** The ICE username fragments a description announces. */
function iceUfragsOf(sdp: string | undefined): string[] {
  return [...(sdp ?? "").matchAll(/^a=ice-ufrag:(\S+)/gm)].map((match) =>
    match[1]
  );
}

/**
 * The candidate is of an ICE generation `sdp` names, or cannot be told
 * apart (no username fragment on either): a candidate of a generation or a
 * connection since replaced has nowhere to go.
 */
export function ofCurrentGeneration(
  candidate: RTCIceCandidateInit,
  sdp: string | undefined,
): boolean {
  const ufrag = candidate.usernameFragment;
  const current = iceUfragsOf(sdp);
  return !ufrag || current.length === 0 || current.includes(ufrag);
}

/**
 * Puts the replaced connection's media on `pc`, returning the sender of
 * each kind this side sends: as the offerer, one line for each of the old
 * lines, in order; as the answerer, its tracks on the lines the peer's
 * offer made, each line this side sent on sending again (with no track
 * while the camera is off, so that turning it on needs no renegotiation).
 */
export function carryOver(
  pc: RTCPeerConnection,
  { media, stream }: Renewal,
  offers: boolean,
): Map<string, RTCRtpSender> {
  const senders = new Map<string, RTCRtpSender>();
  const taken = new Set<RTCRtpTransceiver>();
  for (const { kind, track, sends } of media) {
    let transceiver: RTCRtpTransceiver | undefined;
    if (offers) {
      transceiver = pc.addTransceiver(track ?? kind, {
        direction: sends ? "sendrecv" : "recvonly",
        streams: [stream],
      });
    } else if (sends && track) {
      // As the callee's first answer does: the track takes the offered line of its kind.
      const sender = pc.addTrack(track, stream);
      transceiver = pc.getTransceivers().find((each) => each.sender === sender);
    } else {
      transceiver = pc.getTransceivers().find((each) =>
        !taken.has(each) && each.receiver.track.kind === kind
      );
      if (transceiver && sends) {
        transceiver.direction = "sendrecv";
        transceiver.sender.setStreams?.(stream);
      }
    }
    if (!transceiver) continue;
    taken.add(transceiver);
    if (kind === "audio") preferRedundantAudio(transceiver);
    if (sends) senders.set(kind, transceiver.sender);
  }
  return senders;
}
