/**
 * The peer link's signaling: this side's descriptions as the messages that
 * carry them to the peer, and the peer's WebRTC messages applied to the
 * negotiation. Browser-only.
 * @module
 */
import type {
  ClientMessage,
  ServerMessage,
  WebRtcType,
} from "../../wire/protocol.ts";
import type { Negotiation } from "./negotiation.ts";

/** A WebRTC message from the peer, as the server delivers it. */
export type FromPeer = Extract<ServerMessage, { type: WebRtcType }>;

/** The message that carries this side's offer, or its answer to the offer `answers`, to `peer`. */
export function descriptionMessage(
  peer: string,
  description: RTCSessionDescriptionInit,
  answers?: string,
): ClientMessage {
  return description.type === "offer"
    ? { type: "webrtc:offer", payload: { to: peer, offer: description } }
    : {
      type: "webrtc:answer",
      payload: {
        to: peer,
        answer: description,
        ...(answers && { answers }),
      },
    };
}

/** Applies the peer's message to `negotiation`: a candidate, an offer (answered) or an answer. */
export function applyFromPeer(
  negotiation: Negotiation,
  message: FromPeer,
): Promise<void> {
  switch (message.type) {
    case "webrtc:candidate":
      return negotiation.addRemoteCandidate(message.payload.candidate);
    case "webrtc:offer":
      return negotiation.receiveDescription(message.payload.offer);
    case "webrtc:answer":
      return negotiation.receiveDescription(
        message.payload.answer,
        message.payload.answers,
      );
  }
}
