/** Signaling payloads the socket tests relay: small, valid, and the same everywhere. */

/** A session description as an offer carries it. */
export const OFFER = { type: "offer", sdp: "v=0\r\n" };

/** A session description as an answer carries it. */
export const ANSWER = { type: "answer", sdp: "v=0\r\n" };

/** A host ICE candidate on loopback. */
export const CANDIDATE = {
  candidate: "candidate:1 1 udp 2122260223 127.0.0.1 54400 typ host",
  sdpMid: "0",
};
