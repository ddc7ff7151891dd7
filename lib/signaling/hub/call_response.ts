/**
 * `call:response`: a device of the callee answers a ringing call. Accepted,
 * the call becomes active on that device and the others stop ringing;
 * declined, the call ends and the caller hears why.
 * @module
 */
import type { EndReason, PayloadOf } from "../../wire/protocol.ts";
import { type Call, nextCall } from "../call.ts";
import type { Session } from "../session.ts";
import { clearRingTimer } from "./call_timers.ts";
import type { HubContext } from "./context.ts";
import { relayedNow, toParty } from "./delivery.ts";
import { endInEngine } from "./ending.ts";
import { callBetween } from "./parties.ts";
import { announceInCall } from "./presence.ts";
import { sendError } from "./replies.ts";
import { stopRinging } from "./ringing.ts";
import { retrying, untilSwapped } from "./swaps.ts";

/**
 * Ends ringing `call` as its callee declined it (`reason`, `declined` unless
 * said) on `by`, or where no page is open (null): the caller hears it, the
 * callee's other devices stop ringing. False when the swap lost.
 */
async function decline(
  hub: HubContext,
  call: Call,
  by: Session | null,
  reason: EndReason = "declined",
): Promise<boolean> {
  if (!await endInEngine(hub, call, reason)) return false;
  await toParty(hub, call, call.caller, {
    type: "call:response",
    payload: { from: call.callee, to: call.caller, accepted: false, reason },
  }, "ended");
  await stopRinging(hub, call, by, reason, true);
  return true;
}

/**
 * The callee `userId` declines the call `callId` from outside any page (a
 * notification's Decline): false when that call is not ringing it.
 */
export async function declineFromAway(
  hub: HubContext,
  userId: string,
  callId: string,
): Promise<boolean> {
  let declined = false;
  await untilSwapped(async () => {
    const call = await hub.engine.callOf(userId);
    if (
      call?.id !== callId || call.phase !== "ringing" || call.callee !== userId
    ) {
      return true;
    }
    return declined = await decline(hub, call, null);
  });
  return declined;
}

/** `call:response`: accept or decline the call ringing this session. */
export function respondToCall(
  hub: HubContext,
  session: Session,
  payload: PayloadOf<"call:response">,
): Promise<void> {
  const { userId } = session;
  return retrying(hub, session, "call:response", async () => {
    const call = await callBetween(hub, userId, payload.to);
    if (!call || call.phase !== "ringing" || call.callee !== userId) {
      sendError(
        hub,
        session,
        "not-in-call",
        `${payload.to} is not calling you.`,
        "call:response",
      );
      return true;
    }
    if (!payload.accepted) {
      if (!await decline(hub, call, session, payload.reason)) return false;
      relayedNow(hub, session, "call:response");
      return true;
    }
    const active = nextCall(call, {
      phase: "active",
      calleeDevice: session.deviceId,
      calleeInstance: hub.engine.instanceId,
      answeredAt: hub.now(),
    });
    if (!await hub.engine.swapCall([call.caller, userId], call, active)) {
      return false;
    }
    hub.calls.put(active);
    clearRingTimer(hub, call.id);
    hub.observer.callAnswered?.(active);
    hub.closedBrowsers?.stop(active, "answered-elsewhere");
    await toParty(hub, active, call.caller, {
      type: "call:response",
      payload,
    }, "changed");
    relayedNow(hub, session, "call:response");
    await stopRinging(hub, active, session, "answered-elsewhere", false);
    await announceInCall(hub, active, true);
    return true;
  });
}
