/**
 * The hub's side of presence: a user went on- or offline, or a call made
 * its parties busy or free, told to this instance's sessions (through the
 * presence feed) and to every other instance (through the engine).
 * @module
 */
import type { PresenceUpdate } from "../../wire/protocol.ts";
import type { Call } from "../call.ts";
import type { HubContext } from "./context.ts";

/** A change of presence, for this instance's sessions and every other instance's. */
export function presenceChanged(
  hub: HubContext,
  change: PresenceUpdate,
): void {
  if (!hub.presence) return;
  hub.presence.change(change);
  hub.engine.broadcast({ presence: change });
}

/** Tells everyone whether the two parties of a call are in a call now (with presence on). */
export async function announceInCall(
  hub: HubContext,
  call: Call,
  inCall: boolean,
): Promise<void> {
  if (!hub.presence) return;
  for (const userId of [call.caller, call.callee]) {
    const online = (await hub.engine.devicesOf(userId)).size > 0;
    presenceChanged(hub, { userId, online, inCall });
  }
}
