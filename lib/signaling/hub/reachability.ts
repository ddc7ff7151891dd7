/**
 * Who may reach whom, where a `Reachability` decides it (accounts mode): a
 * call the callee does not take from this caller is answered as if the
 * callee were offline, and each user connected here is shown only the
 * presence of the users it may see. When that changes (a contact added,
 * a block, who may call), each instance with a device of an affected user
 * reloads what it shows that user and tells its pages the difference.
 * @module
 */
import type { Session } from "../session.ts";
import type { HubContext } from "./context.ts";
import { toEveryDevice } from "./delivery.ts";

/** Whether `caller` may ring `callee` (always, without a `Reachability`). */
export function mayCall(
  hub: HubContext,
  caller: string,
  callee: string,
): Promise<boolean> {
  return hub.reachability?.mayCall(caller, callee) ?? Promise.resolve(true);
}

/**
 * Loads whose presence `userId` is shown, before its session hears the
 * list. A store that fails shows nobody rather than everybody.
 */
export async function loadPresenceSeen(
  hub: HubContext,
  userId: string,
): Promise<void> {
  if (!hub.reachability) return;
  let seen: ReadonlySet<string>;
  try {
    seen = await hub.reachability.presenceSeenBy(userId);
  } catch (error) {
    hub.observer.engineFailed?.("presence.seen", error);
    seen = new Set();
  }
  hub.presenceSeen.set(userId, seen);
}

/** The last device of `userId` here left: nothing is kept for it. */
export function forgetPresenceSeen(hub: HubContext, userId: string): void {
  if (!hub.registry.has(userId)) hub.presenceSeen.delete(userId);
}

/** What these users may see changed: every instance with one of their devices reloads it. */
export async function audienceChanged(
  hub: HubContext,
  userIds: Iterable<string>,
): Promise<void> {
  for (const user of new Set(userIds)) {
    toEveryDevice(hub, await hub.engine.devicesOf(user), {
      user,
      audience: true,
    });
  }
}

/**
 * Reloads what `userId` is shown here; its pages here hear the difference at
 * the end of the presence window, as ordinary updates.
 */
export async function refreshAudience(
  hub: HubContext,
  userId: string,
): Promise<void> {
  const sessions = new Set<Session>(hub.registry.devices(userId));
  if (sessions.size === 0 || !hub.presence) return;
  await loadPresenceSeen(hub, userId);
  await hub.presence.reconcile(sessions);
}
