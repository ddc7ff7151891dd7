/**
 * Ending a call in the engine, whatever ended it (hang-up, decline, no
 * answer, a party gone; glare replaces a call in `glare.ts` instead): the swap, this instance's copy and timers
 * dropped, the parties free again, and the end reported and recorded.
 * @module
 */
import type { EndReason } from "../../wire/protocol.ts";
import { type Call, instanceOf } from "../call.ts";
import { forgetCall } from "./call_timers.ts";
import type { HubContext } from "./context.ts";
import { deliver } from "./delivery.ts";
import { recordFinished } from "./call_history.ts";
import { announceInCall } from "./presence.ts";

/**
 * Keeps how `call` ended for each party, for the resume grace: a device
 * that resumes the call after its end hears how at once (`resume.ts`).
 */
function rememberEnd(hub: HubContext, call: Call, reason: EndReason): void {
  const at = hub.now();
  for (
    const [userId, peer] of [[call.caller, call.callee], [
      call.callee,
      call.caller,
    ]]
  ) {
    hub.endedCalls.delete(userId);
    hub.endedCalls.set(userId, { peer, reason, at });
  }
  // The oldest first: those past the grace are dropped as new ones come.
  for (const [userId, ended] of hub.endedCalls) {
    if (ended.at > at - hub.resumeGraceMs) break;
    hub.endedCalls.delete(userId);
  }
}

/** Ends a call in the engine; false when it had changed meanwhile. */
export async function endInEngine(
  hub: HubContext,
  call: Call,
  reason: EndReason,
): Promise<boolean> {
  if (
    !await hub.engine.swapCall([call.caller, call.callee], call, undefined)
  ) {
    return false;
  }
  forgetCall(hub, call);
  // A party's device may have come here from the instance the call names
  // (its delivery session handed over, its `call:resume` yet to come): that
  // instance drops its copy too.
  for (const userId of [call.caller, call.callee]) {
    const at = instanceOf(call, userId);
    if (at !== null && at !== hub.engine.instanceId) {
      deliver(hub, at, { user: userId, device: null, call, ended: true });
    }
  }
  rememberEnd(hub, call, reason);
  if (call.phase === "active") await announceInCall(hub, call, false);
  else hub.closedBrowsers?.stop(call, reason);
  hub.observer.callEnded?.(call.caller, call.callee, reason);
  // Only the swap's winner gets here: the call is recorded once. It is
  // written before the other party hears the end, so an end that was heard
  // is in the history even if this process dies at once.
  await recordFinished(hub, call, reason);
  return true;
}
