/**
 * Delivery: a message for a party of a call, or for every device of a user,
 * handed to the instance where each device is, with the call's news: this
 * instance through its own inbox, another through the engine. What an
 * envelope does once it arrives is `engine_inbox.ts`'s.
 * @module
 */
import type { ServerMessage } from "../../wire/protocol.ts";
import { isRelayedType } from "../client_frames.ts";
import { type Call, deviceOf, instanceOf } from "../call.ts";
import type { Envelope } from "../engines/engine.ts";
import type { Session } from "../session.ts";
import type { HubContext } from "./context.ts";

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
    return;
  }
  return hub.engine.devicesOf(userId).then((devices) => {
    toEveryDevice(hub, devices, envelope);
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

/** Reports how long a message `session` sent took to be relayed, from its frame's arrival. */
export function relayedNow(
  hub: HubContext,
  session: Session,
  type: string,
): void {
  if (!hub.observer.relayed || !isRelayedType(type)) return;
  const arrived = hub.sessions.get(session)?.frameArrived;
  if (arrived !== undefined) {
    hub.observer.relayed(type, (performance.now() - arrived) / 1000);
  }
}

/** Hands an envelope to the instance it is for: this one through its own inbox, another through the engine. */
export function deliver(
  hub: HubContext,
  instance: string,
  envelope: Envelope,
): void {
  if (instance === hub.engine.instanceId) hub.inbox.deliver(envelope);
  else hub.engine.send(instance, envelope);
}
