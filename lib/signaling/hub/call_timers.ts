/**
 * The timers this instance keeps for calls: the ring timer of each call it
 * placed and the grace timer of each party whose device is gone; and
 * forgetting an ended call, which clears both. What happens when one fires
 * is in `ring_timeout.ts` and `grace.ts`.
 * @module
 */
import type { Call } from "../call.ts";
import type { HubContext } from "./context.ts";

/** Starts a call's ring timer: `expired` runs once it has rung for the ring timeout. */
export function armRingTimer(
  hub: HubContext,
  call: Call,
  expired: () => void,
): void {
  hub.ringTimers.set(call.id, hub.timers.set(expired, hub.ringTimeoutMs));
}

/** Stops a call's ring timer: it was answered or ended. */
export function clearRingTimer(hub: HubContext, callId: string): void {
  const handle = hub.ringTimers.get(callId);
  if (handle !== undefined) hub.timers.clear(handle);
  hub.ringTimers.delete(callId);
}

/** Starts a party's grace period, unless it is already running: `expired` runs at its end. */
export function startGraceTimer(
  hub: HubContext,
  userId: string,
  expired: () => void,
): void {
  if (hub.graceTimers.has(userId)) return;
  hub.graceTimers.set(
    userId,
    hub.timers.set(() => {
      hub.graceTimers.delete(userId);
      expired();
    }, hub.resumeGraceMs),
  );
}

/** Ends a party's grace period: its device is back. */
export function cancelGrace(hub: HubContext, userId: string): void {
  const timer = hub.graceTimers.get(userId);
  if (timer === undefined) return;
  hub.timers.clear(timer);
  hub.graceTimers.delete(userId);
}

/** Drops this instance's copy of an ended call and its timers. */
export function forgetCall(hub: HubContext, call: Call): void {
  hub.calls.remove(call);
  clearRingTimer(hub, call.id);
  for (const user of [call.caller, call.callee]) cancelGrace(hub, user);
}
