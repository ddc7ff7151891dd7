/**
 * What this instance hands the engine: its inbox (envelopes, presence from
 * other instances, devices lost when an instance died), and the rebuild of
 * what it holds after the engine lost it or was unreachable.
 * @module
 */
import type { Call } from "../call.ts";
import type { EngineInbox } from "../engines/engine.ts";
import type { HubContext } from "./context.ts";
import { deliverHere } from "./delivery.ts";
import { deviceGone } from "./grace.ts";
import { settleHangups } from "./hang_up.ts";
import { inBackground } from "./replies.ts";

/** The inbox through which the engine reaches this instance. */
export function inboxOf(hub: HubContext): EngineInbox {
  return {
    deliver: (envelope) => deliverHere(hub, envelope),
    broadcast: (message) => {
      if ("presence" in message) hub.presence?.change(message.presence);
      else hub.signedOut?.(message.signedOut);
    },
    lost: (devices) => {
      for (const { user, device, offline } of devices) {
        inBackground(
          hub,
          "device.lost",
          deviceGone(hub, user, device, offline),
        );
      }
    },
    devices: () => localDevices(hub),
    rebuild: () => rebuild(hub),
  };
}

function* localDevices(
  hub: HubContext,
): IterableIterator<{ user: string; device: string }> {
  for (const session of hub.registry.sessions()) {
    yield { user: session.userId, device: session.deviceId };
  }
}

/**
 * Records again what this instance holds, after the engine lost it or was
 * unreachable: its devices and their calls; then the hang-ups it could not
 * pass on meanwhile.
 */
async function rebuild(hub: HubContext): Promise<void> {
  const calls = new Map<string, Call>();
  for (const session of hub.registry.sessions()) {
    await hub.engine.deviceJoined(session.userId, session.deviceId);
    const call = hub.calls.of(session.userId);
    if (call) calls.set(call.id, call);
  }
  for (const call of calls.values()) {
    // A call that ended while the devices were recorded (its other party's
    // hang-up arrived) stays ended.
    if (hub.calls.of(call.caller)?.id !== call.id) continue;
    // Both parties' instances may restore the same call; the first one does.
    await hub.engine.swapCall([call.caller, call.callee], undefined, call);
  }
  await settleHangups(hub);
}
