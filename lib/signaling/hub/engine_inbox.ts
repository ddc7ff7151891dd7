/**
 * This instance's inbox, through which the engine and the hub itself reach
 * it: an envelope that arrives first updates this instance's copy of the
 * call, then reaches the sockets; presence from other instances; devices
 * lost when an instance died; and the rebuild of what it holds after the
 * engine lost it or was unreachable.
 * @module
 */
import { CLOSE_CODES } from "../../wire/protocol.ts";
import { type Call, instanceOf } from "../call.ts";
import type { EngineInbox, Envelope } from "../engines/engine.ts";
import { sendText } from "../session.ts";
import { clearRingTimer, forgetCall } from "./call_timers.ts";
import type { HubContext } from "./context.ts";
import {
  deliveryHandedOver,
  forwardToMoved,
  handOverDelivery,
} from "./delivery_handover.ts";
import { deviceGone } from "./grace.ts";
import { settleHangups } from "./hang_up.ts";
import { refreshAudience } from "./reachability.ts";
import { inBackground } from "./replies.ts";

/** The inbox through which the engine, and this instance's own hub, reach it. */
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

/** An envelope for this instance: the call's news first, then the message to the devices. */
function deliverHere(hub: HubContext, envelope: Envelope): void {
  const { user, device, handover, handedOver } = envelope;
  if (handover) return handOverDelivery(hub, user, device, handover);
  if (handedOver) return deliveryHandedOver(hub, user, device, handedOver);
  if (envelope.replaced && envelope.device !== null) {
    hub.registry.get(envelope.user, envelope.device)?.socket.close(
      CLOSE_CODES.replaced,
      "replaced by a newer connection",
    );
    return;
  }
  if (envelope.audience) {
    inBackground(hub, "presence.seen", refreshAudience(hub, envelope.user));
  }
  if (envelope.call) {
    takeNews(hub, envelope.user, envelope.call, envelope.ended);
  }
  if (envelope.text === undefined || forwardToMoved(hub, envelope)) return;
  if (envelope.device !== null) {
    // A device whose socket is gone keeps what is sent to it in its delivery
    // session, if it has one, for when it resumes.
    const target = hub.registry.get(envelope.user, envelope.device)?.socket ??
      hub.deliveryLinks.parked(envelope.user, envelope.device);
    if (target) sendText(target, envelope.text);
    return;
  }
  for (const target of hub.registry.devices(envelope.user)) {
    if (target.deviceId === envelope.except) continue;
    if (envelope.preparing && !target.prepares) continue;
    sendText(target.socket, envelope.text);
  }
  // Devices between sockets keep it in their delivery sessions (an early
  // offer excepted: the caller sends it again when the callee lacks it).
  if (envelope.preparing) return;
  for (const deviceId of hub.deliveryLinks.parkedDevices(envelope.user)) {
    if (
      deviceId === envelope.except || hub.registry.get(envelope.user, deviceId)
    ) {
      continue;
    }
    hub.deliveryLinks.parked(envelope.user, deviceId)?.send(envelope.text);
  }
}

/** Updates this instance's copy of a call from news about it, for `user`'s devices here. */
function takeNews(
  hub: HubContext,
  user: string,
  call: Call,
  ended: boolean | undefined,
): void {
  if (ended) return forgetCall(hub, call);
  const at = instanceOf(call, user);
  const known = hub.calls.of(user);
  if (
    at !== hub.engine.instanceId && !(at === null && hub.registry.has(user))
  ) {
    // None of this user's devices here takes part (another answered, or it moved).
    hub.calls.remove(call, user);
  } else if (known?.id !== call.id || known.version <= call.version) {
    hub.calls.put(call);
  }
  if (call.phase === "active") clearRingTimer(hub, call.id);
}
