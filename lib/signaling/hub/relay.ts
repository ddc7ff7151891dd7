/**
 * Relaying WebRTC messages (offer, answer, candidate) between the two
 * devices of an accepted call: the hot path. The common case is checked
 * against this instance's copy of the call and needs no engine. The
 * caller's early offer while the call rings is `early_offer.ts`.
 * @module
 */
import type {
  PayloadOf,
  ServerMessage,
  WebRtcType,
} from "../../wire/protocol.ts";
import { type Call, deviceOf, instanceOf } from "../call.ts";
import type { Session } from "../session.ts";
import type { HubContext } from "./context.ts";
import { deliver, relayedNow } from "./delivery.ts";
import { mayOfferEarly, toPreparingDevices } from "./early_offer.ts";
import { callBetween, mayRelay } from "./parties.ts";
import { sendError } from "./replies.ts";

/** `webrtc:*`: only between the two devices of an accepted call. */
export function relayInCall(
  hub: HubContext,
  session: Session,
  type: WebRtcType,
  payload: PayloadOf<WebRtcType>,
): void | Promise<void> {
  const message = { type, payload } as ServerMessage;
  const known = hub.calls.between(session.userId, payload.to);
  if (known && mayRelay(known, session)) {
    return relay(hub, session, known, payload.to, message);
  }
  return (async () => {
    const call = await callBetween(hub, session.userId, payload.to);
    if (call && mayOfferEarly(call, session, type)) {
      return toPreparingDevices(hub, session, call, message);
    }
    if (!call || !mayRelay(call, session)) {
      return sendError(
        hub,
        session,
        "not-in-call",
        `You are not in a call with ${payload.to}.`,
        type,
      );
    }
    hub.calls.put(call);
    relay(hub, session, call, payload.to, message);
  })();
}

/** A WebRTC message to the peer's device in an active call, with no news of the call. */
function relay(
  hub: HubContext,
  session: Session,
  call: Call,
  to: string,
  message: ServerMessage,
): void {
  deliver(hub, instanceOf(call, to)!, {
    user: to,
    device: deviceOf(call, to)!,
    text: JSON.stringify(message),
  });
  relayedNow(hub, session, message.type);
}
