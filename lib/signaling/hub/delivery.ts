/**
 * Delivery: a message for a party of a call, or for every device of a user,
 * handed to the instance where each device is, with the call's news. An
 * envelope that arrives here (from this instance or through the engine)
 * first updates this instance's copy of the call, then reaches the sockets.
 * @module
 */
import { CLOSE_CODES, type ServerMessage } from "../../protocol.ts";
import { isRelayedType } from "../../client_frames.ts";
import { type Call, deviceOf, instanceOf } from "../call.ts";
import type { Envelope } from "../engines/engine.ts";
import { sendText } from "../session.ts";
import { clearRingTimer, forgetCall } from "./call_timers.ts";
import type { HubContext } from "./context.ts";
import { refreshAudience } from "./reachability.ts";
import { inBackground } from "./replies.ts";

/**
 * Sends to a party of a call, wherever it is connected: the device it takes
 * part on, or every device while ringing. `message` may be left out when
 * only the call's new state is news to the party's instance.
 */
export function toParty(
  hub: HubContext,
  call: Call,
  userId: string,
  message: ServerMessage | undefined,
  news?: "changed" | "ended",
): void | Promise<void> {
  const envelope: Omit<Envelope, "device"> = {
    user: userId,
    text: message && JSON.stringify(message),
    ...(news && { call, ended: news === "ended" }),
  };
  const device = deviceOf(call, userId);
  const instance = instanceOf(call, userId);
  if (device !== null && instance !== null) {
    deliver(hub, instance, { ...envelope, device });
    if (message) relayedNow(hub, message.type);
    return;
  }
  return hub.engine.devicesOf(userId).then((devices) => {
    toEveryDevice(hub, devices, envelope);
    if (message) relayedNow(hub, message.type);
  });
}

/** Delivers to every device of `envelope.user` (`devices`: where each is), one envelope per instance. */
export function toEveryDevice(
  hub: HubContext,
  devices: Map<string, string>,
  envelope: Omit<Envelope, "device">,
): void {
  for (const instance of new Set(devices.values())) {
    deliver(hub, instance, { ...envelope, device: null });
  }
}

/** Reports how long a relayed message took from its frame's arrival. */
export function relayedNow(hub: HubContext, type: string): void {
  if (hub.observer.relayed && isRelayedType(type)) {
    hub.observer.relayed(type, (performance.now() - hub.frameArrived) / 1000);
  }
}

/** Hands an envelope to the instance it is for: this one directly, another through the engine. */
export function deliver(
  hub: HubContext,
  instance: string,
  envelope: Envelope,
): void {
  if (instance === hub.engine.instanceId) deliverHere(hub, envelope);
  else hub.engine.send(instance, envelope);
}

/** An envelope for this instance: the call's news first, then the message to the devices. */
export function deliverHere(hub: HubContext, envelope: Envelope): void {
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
  if (envelope.text === undefined) return;
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
