/**
 * The ring timeout: a call nobody answered within `ringTimeoutMs` ends with
 * `no-answer`, told to the caller and to every device of the callee. The
 * instance that placed the call keeps its timer.
 * @module
 */
import type { Call } from "../call.ts";
import type { HubContext } from "./context.ts";
import { toParty } from "./delivery.ts";
import { endInEngine } from "./ending.ts";
import { untilSwapped } from "./swaps.ts";

/** Ends a call still ringing when its ring timer fires. */
export function ringTimedOut(hub: HubContext, call: Call): Promise<void> {
  hub.ringTimers.delete(call.id);
  return untilSwapped(async () => {
    const current = await hub.engine.callOf(call.caller);
    if (current?.id !== call.id || current.phase !== "ringing") return true;
    if (!await endInEngine(hub, current, "no-answer")) return false;
    await toParty(hub, current, call.caller, {
      type: "call:end",
      payload: { from: call.callee, to: call.caller, reason: "no-answer" },
    }, "ended");
    await toParty(hub, current, call.callee, {
      type: "call:end",
      payload: { from: call.caller, to: call.callee, reason: "no-answer" },
    }, "ended");
    return true;
  });
}
