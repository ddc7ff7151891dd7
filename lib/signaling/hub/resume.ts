/**
 * `call:resume`: a device reconnected in a call, perhaps to another
 * instance, perhaps after the server restarted. A call the engine kept moves
 * to where the device is now; a call that ended while the device was away
 * is answered with its end at once; a call it lost (a restart) is restored
 * once the other party resumes it too, or ends with `peer-gone` after the
 * grace period.
 * @module
 */
import type { PayloadOf } from "../../wire/protocol.ts";
import { type Call, deviceOf, instanceOf, nextCall, peerOf } from "../call.ts";
import type { Session } from "../session.ts";
import { cancelGrace } from "./call_timers.ts";
import { type HubContext, hubState } from "./context.ts";
import { toParty } from "./delivery.ts";
import { callBetween, isPartyDevice } from "./parties.ts";
import { announceInCall } from "./presence.ts";
import { send, sendError } from "./replies.ts";
import { newCall } from "./ringing.ts";
import { retrying } from "./swaps.ts";

/** A party that resumed a call the server does not know (it restarted), waiting for the other. */
export interface ResumeClaim {
  deviceId: string;
  peer: string;
  timer: unknown;
}

/** Each hub's resume claims, by the claiming user's id. */
const claimsOf = hubState(() => new Map<string, ResumeClaim>());

/** `call:resume`: take back the call with `payload.to` on this session's device. */
export function resumeCall(
  hub: HubContext,
  session: Session,
  payload: PayloadOf<"call:resume">,
): Promise<void> {
  const { userId, deviceId } = session;
  const peer = payload.to;
  return retrying(hub, session, "call:resume", async () => {
    const existing = await callBetween(hub, userId, peer);
    if (existing?.phase === "active") {
      const moved = await moveHere(hub, existing, session);
      if (!moved) return false;
      hub.calls.put(moved);
      if (isPartyDevice(moved, session)) cancelGrace(hub, userId);
      return true;
    }
    if (await hub.engine.callOf(userId)) {
      sendError(hub, session, "already-in-call", undefined, "call:resume");
      return true;
    }
    const ended = hub.endedCalls.get(userId);
    if (ended?.peer === peer && ended.at > hub.now() - hub.resumeGraceMs) {
      // It ended while this device was away: say how, at once.
      send(session.socket, {
        type: "call:end",
        payload: { from: peer, to: userId, reason: ended.reason },
      });
      return true;
    }
    const theirs = claimsOf(hub).get(peer);
    if (theirs?.peer === userId && !await hub.engine.callOf(peer)) {
      const call: Call = {
        ...newCall(hub, { userId: peer, deviceId: theirs.deviceId }, userId, {
          hasVideo: true,
          hasAudio: true,
        }),
        phase: "active",
        calleeDevice: deviceId,
        calleeInstance: hub.engine.instanceId,
        // The server lost when it began: the history counts from here.
        answeredAt: hub.now(),
      };
      if (!await hub.engine.swapCall([peer, userId], undefined, call)) {
        return false;
      }
      hub.timers.clear(theirs.timer);
      claimsOf(hub).delete(peer);
      hub.calls.put(call);
      await announceInCall(hub, call, true);
      return true;
    }
    claimResume(hub, session, peer);
    return true;
  });
}

/** A resumed call on this session's device and instance, swapped in when it moved. */
async function moveHere(
  hub: HubContext,
  call: Call,
  session: Session,
): Promise<Call | null> {
  const { userId, deviceId } = session;
  const device = deviceOf(call, userId);
  const here = hub.engine.instanceId;
  if (device === deviceId && instanceOf(call, userId) === here) return call;
  // Another device of the user that is still connected keeps the call.
  if (
    device !== deviceId && (await hub.engine.devicesOf(userId)).has(device!)
  ) {
    return call;
  }
  const moved = nextCall(
    call,
    call.caller === userId
      ? { callerDevice: deviceId, callerInstance: here }
      : { calleeDevice: deviceId, calleeInstance: here },
  );
  if (!await hub.engine.swapCall([call.caller, call.callee], call, moved)) {
    return null;
  }
  // The peer's instance relays to where this device is now; the instance it
  // left (if alive) drops its copy.
  await toParty(hub, moved, peerOf(moved, userId), undefined, "changed");
  const left = instanceOf(call, userId);
  if (left !== null && left !== here) {
    hub.engine.send(left, { user: userId, device: null, call: moved });
  }
  return moved;
}

/** Waits the grace period for the peer to resume the same lost call; the device hears `peer-gone` if it does not. */
function claimResume(hub: HubContext, session: Session, peer: string): void {
  const { userId, deviceId } = session;
  const previous = claimsOf(hub).get(userId);
  if (previous) hub.timers.clear(previous.timer);
  claimsOf(hub).set(userId, {
    deviceId,
    peer,
    timer: hub.timers.set(() => {
      if (claimsOf(hub).get(userId)?.peer !== peer) return;
      claimsOf(hub).delete(userId);
      const device = hub.registry.get(userId, deviceId);
      if (device) {
        send(device.socket, {
          type: "call:end",
          payload: { from: peer, to: userId, reason: "peer-gone" },
        });
      }
    }, hub.resumeGraceMs),
  });
}
