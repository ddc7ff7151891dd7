/**
 * The caller's early offer: while a call rings, the caller's device may send
 * its offer and its candidates, and the hub hands them to the callee's
 * ringing devices that prepare calls (`Session.prepares`), so that the
 * answer can go the moment the call is accepted. Nothing flows the other
 * way before that: the callee's devices may not signal until one of them
 * answers, so no address of theirs reaches the caller while it rings.
 * Devices that do not prepare get nothing early; the caller sends its offer
 * again when the answer says it was not taken (`prepared` absent).
 * @module
 */
import type { ServerMessage, WebRtcType } from "../../wire/protocol.ts";
import type { Call } from "../call.ts";
import type { Session } from "../session.ts";
import type { HubContext } from "./context.ts";
import { relayedNow, toEveryDevice } from "./delivery.ts";

/** Whether `session` may send `type` early in `call`: the caller's device, an offer or a candidate, while it rings. */
export function mayOfferEarly(
  call: Call,
  session: Session,
  type: WebRtcType,
): boolean {
  return call.phase === "ringing" && call.caller === session.userId &&
    call.callerDevice === session.deviceId && type !== "webrtc:answer";
}

/** Hands the caller's early message to every ringing device of the callee that prepares calls. */
export async function toPreparingDevices(
  hub: HubContext,
  session: Session,
  call: Call,
  message: ServerMessage,
): Promise<void> {
  const devices = await hub.engine.devicesOf(call.callee);
  toEveryDevice(hub, devices, {
    user: call.callee,
    text: JSON.stringify(message),
    preparing: true,
  });
  relayedNow(hub, session, message.type);
}
