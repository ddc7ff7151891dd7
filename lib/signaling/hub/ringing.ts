/**
 * Ringing: a new call, every device of the callee rung with the ring timer
 * armed, and the other devices told the ring is over once one answers or
 * declines.
 * @module
 */
import type { EndReason, PayloadOf } from "../../wire/protocol.ts";
import type { Call } from "../call.ts";
import type { Session } from "../session.ts";
import { armRingTimer } from "./call_timers.ts";
import type { HubContext } from "./context.ts";
import { relayedNow, toEveryDevice } from "./delivery.ts";
import { inBackground } from "./replies.ts";
import { ringTimedOut } from "./ring_timeout.ts";

/** A new call from a caller's device to `callee`, ringing. */
export function newCall(
  hub: HubContext,
  caller: Pick<Session, "userId" | "deviceId" | "guest">,
  callee: string,
  media: { hasVideo: boolean; hasAudio: boolean },
): Call {
  return {
    id: crypto.randomUUID(),
    version: 0,
    caller: caller.userId,
    callee,
    callerDevice: caller.deviceId,
    callerInstance: hub.engine.instanceId,
    calleeDevice: null,
    calleeInstance: null,
    phase: "ringing",
    hasVideo: media.hasVideo,
    hasAudio: media.hasAudio,
    startedAt: hub.now(),
    answeredAt: null,
    ...caller.guest && { guest: caller.guest },
  };
}

/** Rings every device of the callee (`devices`: where they are connected). */
export function ring(
  hub: HubContext,
  session: Session,
  call: Call,
  payload: PayloadOf<"call:request">,
  devices: Map<string, string>,
): void {
  hub.calls.put(call);
  hub.observer.callRinging?.(call);
  hub.closedBrowsers?.ring(call, call.startedAt + hub.ringTimeoutMs);
  armRingTimer(
    hub,
    call,
    () => inBackground(hub, "ring.timeout", ringTimedOut(hub, call)),
  );
  toEveryDevice(hub, devices, {
    user: call.callee,
    // Who the caller is, the server says: a client's own `guest` is replaced.
    text: JSON.stringify({
      type: "call:request",
      payload: { ...payload, guest: call.guest },
    }),
    call,
  });
  relayedNow(hub, session, "call:request");
}

/**
 * Tells the callee's devices which were ringing, all but `except` (the one
 * that answered or declined, if any), that the ring is over.
 */
export async function stopRinging(
  hub: HubContext,
  call: Call,
  except: Session | null,
  reason: EndReason,
  ended: boolean,
): Promise<void> {
  toEveryDevice(hub, await hub.engine.devicesOf(call.callee), {
    user: call.callee,
    except: except?.deviceId,
    text: JSON.stringify({
      type: "call:end",
      payload: { from: call.caller, to: call.callee, reason },
    }),
    call,
    ended,
  });
}
