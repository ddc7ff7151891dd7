/**
 * Per-session guards: the message and refusal buckets, the heartbeat
 * watch, the token's expiry and the ICE servers' refresh. A session that
 * sends too much, too large or too often refused is cut off here.
 * @module
 */
import { CLOSE_CODES } from "../../wire/protocol.ts";
import { TokenBucket } from "../rate_limit.ts";
import type { Session } from "../session.ts";
import { setAt } from "../timers.ts";
import { type HubContext, hubState, type SessionGuards } from "./context.ts";
import type { IceRefresh, JoinOptions } from "./options.ts";
import { send, sendError } from "./replies.ts";

/** Starts guarding a session that joined: its buckets, heartbeat watch, token expiry and ICE refresh. */
export function guard(
  hub: HubContext,
  session: Session,
  join: JoinOptions,
): SessionGuards {
  const { limits } = hub;
  const guards: SessionGuards = {
    messages: new TokenBucket(
      limits.messageBurst,
      limits.messagesPerSecond,
      hub.now,
    ),
    refusals: new TokenBucket(
      limits.refusalsBeforeClose,
      limits.refusalsForgivenPerSecond,
      hub.now,
    ),
    timers: [],
    closing: false,
    lastHeard: join.heartbeat ? hub.now() : null,
    pending: null,
    frameArrived: 0,
  };
  hub.sessions.set(session, guards);
  if (join.heartbeat) watchHeartbeats(hub);
  if (join.expiresAt !== undefined) {
    // A token may be valid for longer than one timer waits: it is re-armed.
    setAt(
      hub.timers,
      hub.now,
      join.expiresAt,
      () => session.socket.close(CLOSE_CODES.policy, "token expired"),
      (handle) => guards.timers.push(handle),
    );
  }
  if (hub.iceRefresh) {
    guards.timers.push(scheduleIceRefresh(hub, session, hub.iceRefresh));
  }
  return guards;
}

/** Drops what the hub keeps for a session: its timers and limits. */
export function unguard(hub: HubContext, session: Session): void {
  for (const timer of hub.sessions.get(session)?.timers ?? []) {
    hub.timers.clear(timer);
  }
  hub.sessions.delete(session);
}

/** A frame over the size cap: the sender hears why and is cut off, so one socket costs one such frame. */
export function tooLarge(
  hub: HubContext,
  session: Session,
  guards: SessionGuards,
): void {
  sendError(hub, session, "too-large");
  guards.closing = true;
  session.socket.close(CLOSE_CODES.tooLarge, "frame too large");
}

/** Answers a message over a limit; a client that keeps on is disconnected. */
export function refuse(
  hub: HubContext,
  session: Session,
  guards: SessionGuards,
  inReplyTo?: string,
): void {
  if (!guards.refusals.take()) {
    guards.closing = true;
    session.socket.close(CLOSE_CODES.policy, "rate limit exceeded");
    return;
  }
  sendError(hub, session, "rate-limited", undefined, inReplyTo);
}

/** Each hub's heartbeat sweep, while one is due. */
const sweepOf = hubState(() => ({ timer: null as unknown }));

/** One sweep for all heartbeat sessions, while there are any: a timer per session would cost more. */
function watchHeartbeats(hub: HubContext): void {
  const sweep = sweepOf(hub);
  if (sweep.timer !== null) return;
  const timeout = hub.heartbeatTimeoutMs;
  sweep.timer = hub.timers.set(() => {
    sweep.timer = null;
    const now = hub.now();
    let watched = false;
    for (const [session, guards] of hub.sessions) {
      if (guards.lastHeard === null || guards.closing) continue;
      if (now - guards.lastHeard > timeout) {
        guards.closing = true;
        session.socket.close(CLOSE_CODES.silent, "no heartbeat");
      } else {
        watched = true;
      }
    }
    if (watched) watchHeartbeats(hub);
  }, timeout / 3);
}

/** Sends a session new ICE servers every `refresh.everyMs` while it is connected. */
function scheduleIceRefresh(
  hub: HubContext,
  session: Session,
  refresh: IceRefresh,
): unknown {
  return hub.timers.set(async () => {
    const guards = hub.sessions.get(session);
    if (!guards) return;
    guards.timers.push(scheduleIceRefresh(hub, session, refresh));
    const iceServers = await refresh.forUser(session.userId);
    if (hub.sessions.has(session)) {
      send(session.socket, {
        type: "session:ice-servers",
        payload: { iceServers },
      });
    }
  }, refresh.everyMs);
}
