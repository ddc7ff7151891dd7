/**
 * The grace period: a device that leaves in a call (its socket closed here,
 * or its instance died) keeps the call for `resumeGraceMs`; if no device of
 * its user takes it back by then, the call ends with `peer-gone`.
 * @module
 */
import { type Call, deviceOf, peerOf } from "../call.ts";
import { startGraceTimer } from "./call_timers.ts";
import type { HubContext } from "./context.ts";
import { toParty } from "./delivery.ts";
import { endInEngine } from "./ending.ts";
import { partyConnected } from "./parties.ts";
import { presenceChanged } from "./presence.ts";
import { inBackground } from "./replies.ts";
import { untilSwapped } from "./swaps.ts";

/**
 * A device left, here or on an instance that died: its call waits the
 * grace period for it, and its user's contacts learn when it was the last.
 */
export async function deviceGone(
  hub: HubContext,
  userId: string,
  deviceId: string,
  offline: boolean,
): Promise<void> {
  const call = await hub.engine.callOf(userId);
  if (
    call && (deviceOf(call, userId) ?? deviceId) === deviceId &&
    !await partyConnected(hub, call, userId)
  ) {
    startGraceTimer(
      hub,
      userId,
      () => inBackground(hub, "grace.expired", graceExpired(hub, userId, call)),
    );
  }
  if (offline) presenceChanged(hub, { userId, online: false });
}

/** The grace period is over: the call ends unless the party came back meanwhile. */
function graceExpired(
  hub: HubContext,
  userId: string,
  call: Call,
): Promise<void> {
  return untilSwapped(async () => {
    const current = await hub.engine.callOf(userId);
    if (
      current?.id !== call.id || await partyConnected(hub, current, userId)
    ) return true;
    if (!await endInEngine(hub, current, "peer-gone")) return false;
    const peer = peerOf(current, userId);
    await toParty(hub, current, peer, {
      type: "call:end",
      payload: { from: userId, to: peer, reason: "peer-gone" },
    }, "ended");
    return true;
  });
}
