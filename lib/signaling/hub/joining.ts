/**
 * A session's life in the hub: it joins (replacing an older connection of
 * the same device, hearing `session:ready`, being recorded in the engine,
 * rung if its user is being called) and it leaves (its call waits the grace
 * period for it).
 * @module
 */
import { CLOSE_CODES, newDeviceId } from "../../wire/protocol.ts";
import type { Session, SignalingSocket } from "../session.ts";
import { cancelGrace } from "./call_timers.ts";
import type { HubContext } from "./context.ts";
import { inOrder } from "./dispatch.ts";
import { deviceGone } from "./grace.ts";
import { guard, unguard } from "./guards.ts";
import type { JoinOptions } from "./options.ts";
import { isPartyDevice } from "./parties.ts";
import { sendMissedCount } from "./call_history.ts";
import { presenceChanged } from "./presence.ts";
import { forgetPresenceSeen, loadPresenceSeen } from "./reachability.ts";
import { inBackground, send } from "./replies.ts";

/**
 * The platform's cryptographic randomness, drawn a block at a time: a
 * device id takes 18 numbers, and one call into the runtime for each was a
 * tenth of what accepting a session cost.
 */
const randomBlock = new Uint32Array(1024);
let randomLeft = 0;

/** A number in [0, 1) from the platform's cryptographic randomness. */
function secureRandom(): number {
  if (randomLeft === 0) {
    crypto.getRandomValues(randomBlock);
    randomLeft = randomBlock.length;
  }
  return randomBlock[--randomLeft] / 2 ** 32;
}

/** Joins a socket under `userId` (already verified); see `SignalingHub.connect`. */
export function connect(
  hub: HubContext,
  userId: string,
  socket: SignalingSocket,
  join: JoinOptions,
): Session {
  const session: Session = {
    userId,
    deviceId: join.deviceId ?? newDeviceId(secureRandom),
    socket,
    prepares: join.prepares === true,
    listsInParts: join.listsInParts === true,
    delivery: join.delivery?.link,
    guest: join.guest,
  };
  const replaced = hub.registry.add(session);
  if (replaced) {
    unguard(hub, replaced);
    replaced.socket.close(
      CLOSE_CODES.replaced,
      "replaced by a newer connection",
    );
  }
  const guards = guard(hub, session, join);
  hub.observer.sessionOpened?.(userId);
  send(socket, {
    type: "session:ready",
    payload: {
      userId,
      deviceId: session.deviceId,
      iceServers: join.iceServers ?? [],
      iceTransportPolicy: hub.iceTransportPolicy,
      presence: hub.presence !== null,
      ...(join.delivery && { delivery: join.delivery.info }),
    },
  });
  // Frames that arrive meanwhile wait until the device is recorded. A
  // resumed delivery session sends again what the device missed, a ring
  // included: the device is rung anew only when it comes without one.
  const rejoined = Boolean(replaced) || join.delivery?.info.resumed === true;
  inOrder(hub, session, guards, "join", () => joined(hub, session, !rejoined));
  return session;
}

/** The async part of joining: the engine records the device, then presence and a ringing call. */
async function joined(
  hub: HubContext,
  session: Session,
  firstConnection: boolean,
): Promise<void> {
  const { userId, socket, deviceId } = session;
  const { wentOnline, movedFrom } = await hub.engine.deviceJoined(
    userId,
    deviceId,
  );
  if (movedFrom !== null) {
    // The page reconnected here while its old connection lingers there: only
    // now that the device is recorded here may the old one close and leave.
    hub.engine.send(movedFrom, {
      user: userId,
      device: deviceId,
      replaced: true,
    });
  }
  if (hub.presence) {
    await loadPresenceSeen(hub, userId);
    await hub.presence.joined(session);
    if (wentOnline) presenceChanged(hub, { userId, online: true });
  }
  await sendMissedCount(hub, session);
  const call = await hub.engine.callOf(userId);
  if (!call) return;
  hub.calls.put(call);
  if (isPartyDevice(call, session)) cancelGrace(hub, userId);
  if (call.phase === "ringing" && call.callee === userId && firstConnection) {
    // A device that comes online while its user is being called rings too.
    send(socket, {
      type: "call:request",
      payload: {
        from: call.caller,
        to: userId,
        hasVideo: call.hasVideo,
        hasAudio: call.hasAudio,
      },
    });
  }
}

/** Removes a session whose socket closed; see `SignalingHub.disconnect`. */
export function disconnect(
  hub: HubContext,
  session: Session,
): Promise<void> | void {
  const pending = hub.sessions.get(session)?.pending;
  unguard(hub, session);
  hub.presence?.left(session);
  if (!hub.registry.remove(session)) return;
  const { userId, deviceId } = session;
  forgetPresenceSeen(hub, userId);
  hub.observer.sessionClosed?.(userId);
  const left = async () => {
    await pending;
    const offline = await hub.engine.deviceLeft(userId, deviceId);
    await deviceGone(hub, userId, deviceId, offline);
  };
  return inBackground(hub, "device.left", left());
}
