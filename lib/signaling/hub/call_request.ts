/**
 * `call:request`: a caller rings a callee. The caller's ring limit is
 * checked first; then the call is placed, or answered `busy`, already in a
 * call, not online (or not taking this caller's calls: the same answer), or
 * resolved as glare when the callee is calling too.
 * @module
 */
import type { PayloadOf } from "../../wire/protocol.ts";
import type { Session } from "../session.ts";
import type { HubContext } from "./context.ts";
import { recordFinished } from "./call_history.ts";
import { resolveGlare } from "./glare.ts";
import { refuse } from "./guards.ts";
import { send, sendError } from "./replies.ts";
import { mayCall } from "./reachability.ts";
import { newCall, ring } from "./ringing.ts";
import { retrying } from "./swaps.ts";
import type { RateLimit } from "../rate_limit.ts";

/** `call:request`: ring every device of the callee, or answer why not. */
export function requestCall(
  hub: HubContext,
  session: Session,
  payload: PayloadOf<"call:request">,
): void | Promise<void> {
  if (payload.to === session.userId) {
    return sendError(hub, session, "self-call", undefined, "call:request");
  }
  return ringAllowed(hub, session).then((allowed) =>
    allowed ? placeCall(hub, session, payload) : undefined
  );
}

/**
 * How often a guest may ring through one call link: three rings, then one a
 * minute. The guest's id is the link's, so the limit is the link's.
 */
export const GUEST_RING_LIMIT: RateLimit = { capacity: 3, perSecond: 1 / 60 };

/**
 * Whether a caller may ring now: the limit is the caller's, across all of
 * its devices, reconnects and instances, not one connection's.
 */
async function ringAllowed(
  hub: HubContext,
  session: Session,
): Promise<boolean> {
  const limit = session.guest ? GUEST_RING_LIMIT : hub.ringLimit;
  if (await hub.engine.takeToken(`ring:${session.userId}`, limit)) {
    return true;
  }
  const guards = hub.sessions.get(session);
  if (guards) refuse(hub, session, guards, "call:request");
  return false;
}

/**
 * Whether `userId` has browsers that ring with no page open (accounts
 * mode's Web Push). A store that cannot say counts as none: the caller hears
 * offline, as without push.
 */
async function ringsClosed(hub: HubContext, userId: string): Promise<boolean> {
  if (!hub.closedBrowsers) return false;
  try {
    return await hub.closedBrowsers.reachable(userId);
  } catch (error) {
    hub.observer.engineFailed?.("push.reachable", error);
    return false;
  }
}

/** Rings the callee, or answers busy, glare or why not. */
function placeCall(
  hub: HubContext,
  session: Session,
  payload: PayloadOf<"call:request">,
): Promise<void> {
  const { userId } = session;
  const { to } = payload;
  return retrying(hub, session, "call:request", async () => {
    // Both read together: a call the callee placed to this user a moment
    // ago shows up on either side, and is glare, not busy.
    const [mine, theirs, online, allowed] = await Promise.all([
      hub.engine.callOf(userId),
      hub.engine.callOf(to),
      hub.engine.devicesOf(to),
      mayCall(hub, userId, to),
    ]);
    // A callee who does not take this caller's calls looks offline to it,
    // in the same answer at the same point: the caller learns nothing more.
    const devices = allowed ? online : new Map<string, string>();
    const crossing = mine ?? theirs;
    if (
      crossing?.phase === "ringing" && crossing.caller === to &&
      crossing.callee === userId
    ) {
      // They are ringing this caller: they want the call either way.
      return resolveGlare(hub, session, crossing, payload, online);
    }
    if (mine) {
      sendError(hub, session, "already-in-call", undefined, "call:request");
      return true;
    }
    if (devices.size === 0 && !(allowed && await ringsClosed(hub, to))) {
      sendError(
        hub,
        session,
        "peer-unavailable",
        `${to} is not online.`,
        "call:request",
      );
      return true;
    }
    if (theirs) {
      hub.observer.callEnded?.(userId, to, "busy");
      await recordFinished(hub, {
        id: crypto.randomUUID(),
        caller: userId,
        callee: to,
        startedAt: hub.now(),
        answeredAt: null,
        guest: session.guest,
      }, "busy");
      send(session.socket, {
        type: "call:response",
        payload: { from: to, to: userId, accepted: false, reason: "busy" },
      });
      return true;
    }
    const call = newCall(hub, session, to, payload);
    if (!await hub.engine.swapCall([userId, to], undefined, call)) {
      return false;
    }
    ring(hub, session, call, payload, devices);
    return true;
  });
}
