/**
 * `call:end`: either party hangs up, the caller cancels, or the callee
 * declines. A hang-up wins: when the engine cannot be reached, the call
 * this instance knows ends here at once, and in the engine (with the other
 * party told) once the engine is back.
 * @module
 */
import type { EndReason, PayloadOf } from "../../wire/protocol.ts";
import { type Call, peerOf } from "../call.ts";
import type { Session } from "../session.ts";
import { forgetCall } from "./call_timers.ts";
import { type HubContext, hubState } from "./context.ts";
import { relayedNow, toParty } from "./delivery.ts";
import { endInEngine } from "./ending.ts";
import { callBetween, isPartyDevice } from "./parties.ts";
import { inBackground, sendError } from "./replies.ts";
import { stopRinging } from "./ringing.ts";
import { retrying } from "./swaps.ts";

/** How often a hang-up the engine could not take is tried again. */
const HANGUP_RETRY_MS = 1_000;

/**
 * A hang-up the engine could not take (it was unreachable): it is tried
 * until it holds, and the call is never restored meanwhile.
 */
export interface PendingHangup {
  call: Call;
  /** Who hung up, and the party to tell. */
  from: string;
  to: string;
  reason: EndReason;
  /** The peer has been told; the call is looked for once more, then forgotten. */
  told: boolean;
}

/** Each hub's hang-ups waiting for the engine, by call id, and the timer that tries them again. */
const pendingOf = hubState(() => ({
  hangups: new Map<string, PendingHangup>(),
  retry: null as unknown,
}));

/** Why a call ends when a party sends `call:end`: its reason, or what its phase implies. */
function endReason(
  call: Call,
  userId: string,
  payload: PayloadOf<"call:end">,
): EndReason {
  if (payload.reason) return payload.reason;
  if (call.phase !== "ringing") return "hangup";
  return call.caller === userId ? "cancelled" : "declined";
}

/** `call:end` from a party's device: the call ends and the other party hears why. */
export function endCall(
  hub: HubContext,
  session: Session,
  payload: PayloadOf<"call:end">,
): Promise<void> {
  return retrying(hub, session, "call:end", async () => {
    const call = await callBetween(hub, session.userId, payload.to);
    if (!call || !isPartyDevice(call, session)) {
      sendError(
        hub,
        session,
        "not-in-call",
        `You are not in a call with ${payload.to}.`,
        "call:end",
      );
      return true;
    }
    const ringing = call.phase === "ringing";
    const reason = endReason(call, session.userId, payload);
    if (!await endInEngine(hub, call, reason)) return false;
    await toParty(hub, call, payload.to, {
      type: "call:end",
      payload: { ...payload, reason },
    }, "ended");
    relayedNow(hub, session, "call:end");
    // A callee that declines from one device stops its other devices ringing; the caller's
    // cancel has already reached them all as the addressee.
    if (ringing && call.callee === session.userId) {
      await stopRinging(hub, call, session, reason, true);
    }
    return true;
  }).catch((error) => {
    const known = hub.calls.between(session.userId, payload.to);
    if (!known || !isPartyDevice(known, session)) throw error;
    hub.observer.engineFailed?.("call:end", error);
    hangUpLater(
      hub,
      known,
      session.userId,
      endReason(known, session.userId, payload),
    );
  });
}

/**
 * A hang-up the engine could not take: the call ends here at once (nothing
 * restores it), and in the engine, with the other party told, once the
 * engine is back.
 */
function hangUpLater(
  hub: HubContext,
  call: Call,
  from: string,
  reason: EndReason,
): void {
  forgetCall(hub, call);
  pendingOf(hub).hangups.set(call.id, {
    call,
    from,
    to: peerOf(call, from),
    reason,
    told: false,
  });
  retryHangups(hub);
}

function retryHangups(hub: HubContext): void {
  const pending = pendingOf(hub);
  pending.retry ??= hub.timers.set(() => {
    pending.retry = null;
    inBackground(hub, "call:end", settleHangups(hub));
  }, HANGUP_RETRY_MS);
}

/** Stops trying the waiting hang-ups: the hub is stopping. */
export function stopRetryingHangups(hub: HubContext): void {
  const pending = pendingOf(hub);
  if (pending.retry !== null) hub.timers.clear(pending.retry);
  pending.retry = null;
}

/**
 * Ends each waiting hang-up's call in the engine and tells its other party.
 * Once told, the call is looked for once more a moment later: another
 * instance restoring what it held may have brought it back meanwhile.
 */
export async function settleHangups(hub: HubContext): Promise<void> {
  const { hangups } = pendingOf(hub);
  for (const [id, hangup] of hangups) {
    const { call, from, to, reason } = hangup;
    try {
      const current = await hub.engine.callOf(from);
      const restored = current?.id === id;
      if (restored && !await endInEngine(hub, current, reason)) continue;
      if (!restored && hangup.told) {
        hangups.delete(id);
        continue;
      }
      // The peer hears the hang-up once; its instance drops its copy each
      // time the call is ended, since it may be the one that restored it.
      await toParty(
        hub,
        call,
        to,
        hangup.told ? undefined : {
          type: "call:end",
          payload: { from, to, reason },
        },
        "ended",
      );
      hangup.told = true;
    } catch (error) {
      hub.observer.engineFailed?.("call:end", error);
    }
  }
  if (hangups.size > 0) retryHangups(hub);
}

/**
 * Hangs up, for `userId`'s devices on this instance, the call they take
 * part in, with `reason` (a guest whose call link was revoked): the other
 * party hears it at once rather than after the resume grace.
 */
export async function hangUpFor(
  hub: HubContext,
  userId: string,
  reason: EndReason,
): Promise<void> {
  const call = await hub.engine.callOf(userId);
  if (!call) return;
  for (const session of hub.registry.devices(userId)) {
    if (!isPartyDevice(call, session)) continue;
    await endCall(hub, session, {
      from: userId,
      to: peerOf(call, userId),
      reason,
    });
  }
}
