/**
 * Who takes part in a call and where: the call between two users, and
 * whether a device may signal in it or is the one it waits for.
 * @module
 */
import { type Call, deviceOf, peerOf } from "../call.ts";
import type { Session } from "../session.ts";
import type { HubContext } from "./context.ts";

/** The call between two users, as the engine has it now. */
export async function callBetween(
  hub: HubContext,
  userId: string,
  peerId: string,
): Promise<Call | undefined> {
  const call = await hub.engine.callOf(userId);
  return call && peerOf(call, userId) === peerId ? call : undefined;
}

/** Whether a session may relay WebRTC messages in a call: it is active and on this device. */
export function mayRelay(call: Call, session: Session): boolean {
  return call.phase === "active" &&
    deviceOf(call, session.userId) === session.deviceId;
}

/** Whether the call needs this session's device. */
export function isPartyDevice(call: Call, session: Session): boolean {
  const device = deviceOf(call, session.userId);
  return device === null || device === session.deviceId;
}

/** Whether a party of a call still has the device the call needs, on any instance. */
export async function partyConnected(
  hub: HubContext,
  call: Call,
  userId: string,
): Promise<boolean> {
  const device = deviceOf(call, userId);
  const devices = await hub.engine.devicesOf(userId);
  return device === null ? devices.size > 0 : devices.has(device);
}
