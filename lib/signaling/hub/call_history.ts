/**
 * The call history's side of the hub: each finished call handed to the
 * history once (by the instance whose swap ended it, so never twice, even
 * when both parties' instances see the end), and each party who missed it
 * told the new count of missed calls on all of its devices, wherever they
 * are connected; a device that joins hears the count too.
 * @module
 */
import type { EndReason, ServerMessage } from "../../wire/protocol.ts";
import type { Call } from "../call.ts";
import type { Session } from "../session.ts";
import type { HubContext } from "./context.ts";
import { toEveryDevice } from "./delivery.ts";
import { send } from "./replies.ts";

/** The message that tells a device how many calls its user missed. */
function missedCalls(count: number): ServerMessage {
  return { type: "calls:missed", payload: { count } };
}

/** Records a call that is over, and tells who missed it. Never throws: the call's end goes on. */
export async function recordFinished(
  hub: HubContext,
  call: Pick<
    Call,
    "id" | "caller" | "callee" | "startedAt" | "answeredAt" | "guest"
  >,
  reason: EndReason,
): Promise<void> {
  const history = hub.history;
  if (!history) return;
  try {
    const missedBy = await history.record({
      id: call.id,
      caller: call.caller,
      callee: call.callee,
      startedAt: call.startedAt,
      answeredAt: call.answeredAt,
      endedAt: hub.now(),
      reason,
      ...call.guest && { guest: call.guest },
    });
    for (const user of missedBy) await announceMissedCount(hub, user);
  } catch (error) {
    hub.observer.engineFailed?.("history", error);
  }
}

/** Tells a device that joined how many calls its user missed. */
export async function sendMissedCount(
  hub: HubContext,
  session: Session,
): Promise<void> {
  if (!hub.history) return;
  try {
    send(
      session.socket,
      missedCalls(await hub.history.missedCount(session.userId)),
    );
  } catch (error) {
    hub.observer.engineFailed?.("history", error);
  }
}

/** Tells every device of `userId`, wherever it is connected, how many calls it missed now. */
export async function announceMissedCount(
  hub: HubContext,
  userId: string,
): Promise<void> {
  if (!hub.history) return;
  const count = await hub.history.missedCount(userId);
  toEveryDevice(hub, await hub.engine.devicesOf(userId), {
    user: userId,
    text: JSON.stringify(missedCalls(count)),
  });
}
