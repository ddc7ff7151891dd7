/**
 * `call:response`: a device of the callee answers a ringing call. Accepted,
 * the call becomes active on that device and the others stop ringing;
 * declined, the call ends and the caller hears why.
 * @module
 */
import type { PayloadOf } from "../../wire/protocol.ts";
import { nextCall } from "../call.ts";
import type { Session } from "../session.ts";
import { clearRingTimer } from "./call_timers.ts";
import type { HubContext } from "./context.ts";
import { relayedNow, toParty } from "./delivery.ts";
import { endInEngine } from "./ending.ts";
import { callBetween } from "./parties.ts";
import { announceInCall } from "./presence.ts";
import { sendError } from "./replies.ts";
import { stopRinging } from "./ringing.ts";
import { retrying } from "./swaps.ts";

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
      const reason = payload.reason ?? "declined";
      if (!await endInEngine(hub, call, reason)) return false;
      await toParty(hub, call, call.caller, {
        type: "call:response",
        payload,
      }, "ended");
      relayedNow(hub, session, "call:response");
      await stopRinging(hub, call, session, reason, true);
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
