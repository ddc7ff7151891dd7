/**
 * Glare: two users called each other at once. The call placed by the lower
 * user id stands; the other caller is answered `glare`, and the devices its
 * call rang stop ringing.
 * @module
 */
import type { PayloadOf } from "../../wire/protocol.ts";
import type { Call } from "../call.ts";
import type { Session } from "../session.ts";
import { forgetCall } from "./call_timers.ts";
import type { HubContext } from "./context.ts";
import { toParty } from "./delivery.ts";
import { send } from "./replies.ts";
import { newCall, ring, stopRinging } from "./ringing.ts";

/**
 * `session`'s user calls the caller of `theirs`, which is ringing it.
 * `devices`: where the callee's devices are, as read with the calls. False
 * when the engine's swap lost to another change.
 */
export async function resolveGlare(
  hub: HubContext,
  session: Session,
  theirs: Call,
  payload: PayloadOf<"call:request">,
  devices: Map<string, string>,
): Promise<boolean> {
  const { userId } = session;
  if (theirs.caller < userId) {
    hub.observer.callEnded?.(userId, theirs.caller, "glare");
    send(session.socket, {
      type: "call:response",
      payload: {
        from: theirs.caller,
        to: userId,
        accepted: false,
        reason: "glare",
      },
    });
    return true;
  }
  const mine = newCall(hub, session, payload.to, payload);
  if (!await hub.engine.swapCall([userId, theirs.caller], theirs, mine)) {
    return false;
  }
  forgetCall(hub, theirs);
  hub.closedBrowsers?.stop(theirs, "glare");
  hub.observer.callEnded?.(theirs.caller, theirs.callee, "glare");
  await toParty(hub, theirs, theirs.caller, {
    type: "call:response",
    payload: {
      from: userId,
      to: theirs.caller,
      accepted: false,
      reason: "glare",
    },
  }, "ended");
  await stopRinging(hub, theirs, session, "glare", true);
  ring(hub, session, mine, payload, devices);
  return true;
}
