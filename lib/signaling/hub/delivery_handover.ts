/**
 * A delivery session follows its device to another instance: a page that
 * comes back on another instance (a load balancer's choice, or its old one
 * stopping) names its session, whose id begins with the instance that made
 * it; this instance asks that one for it, over the engine, and waits a
 * moment for the answer before the device joins. The old instance hands the
 * session over as it stands (what the page has not acknowledged, how much of
 * the page's it took) and passes on, for the grace, what is still sent there
 * for the device; the device then resumes it here as if it had never left.
 * No answer in time (that instance is gone): a new session, and the page
 * falls back to `call:resume`. See docs/protocol.md, "Delivery".
 * @module
 */
import type { Envelope } from "../engines/engine.ts";
import { sessionInstance } from "../delivery_links.ts";
import { type HubContext, hubState } from "./context.ts";

/** How long a device's join waits for its session from another instance. */
export const HANDOVER_WAIT_MS = 500;

/** The requests this instance waits on, by id: each settles its join. */
const pendingOf = hubState(() => new Map<string, () => void>());

/**
 * Before `deviceId` joins naming its session `session`: asks the instance
 * that made it for it, when that is another one. Settles once the session is
 * here, or the answer says it is not to be had, or after `HANDOVER_WAIT_MS`;
 * undefined when there is nothing to wait for.
 */
export function takeOverDelivery(
  hub: HubContext,
  userId: string,
  deviceId: string,
  session: string,
): Promise<void> | undefined {
  const from = sessionInstance(session);
  if (
    from === null || from === hub.engine.instanceId ||
    hub.deliveryLinks.has(userId, deviceId, session)
  ) {
    return undefined;
  }
  const pending = pendingOf(hub);
  const request = crypto.randomUUID();
  return new Promise((resolve) => {
    const timer = hub.timers.set(() => {
      pending.delete(request);
      resolve();
    }, HANDOVER_WAIT_MS);
    pending.set(request, () => {
      hub.timers.clear(timer);
      pending.delete(request);
      resolve();
    });
    hub.engine.send(from, {
      user: userId,
      device: deviceId,
      handover: { session, request, replyTo: hub.engine.instanceId },
    });
  });
}

/** Another instance asks for a session of `device` made here: it goes, as it stands, or null when it is no longer here. */
export function handOverDelivery(
  hub: HubContext,
  user: string,
  device: string | null,
  { session, request, replyTo }: NonNullable<Envelope["handover"]>,
): void {
  const state = device === null
    ? null
    : hub.deliveryLinks.handOver(user, device, session, replyTo);
  hub.engine.send(replyTo, {
    user,
    device,
    handedOver: { request, state },
  });
}

/** The answer to this instance's request: the session is taken up, and the device's join goes on (unless it went on without). */
export function deliveryHandedOver(
  hub: HubContext,
  user: string,
  device: string | null,
  { request, state }: NonNullable<Envelope["handedOver"]>,
): void {
  const settle = pendingOf(hub).get(request);
  // Too late: the device has joined with a new session meanwhile.
  if (!settle) return;
  if (state && device !== null) hub.deliveryLinks.adopt(user, device, state);
  settle();
}

/**
 * Passes on to its new instance what is sent here for a device whose
 * session was handed over from here (a call's messages go where the call
 * says the device is until the device's `call:resume` moves it): true when
 * the envelope was for that device, so nothing is left to deliver here.
 * What goes to all of a user's devices is not passed on: the instance the
 * device joined gets its own copy once the device is recorded there.
 */
export function forwardToMoved(hub: HubContext, envelope: Envelope): boolean {
  const { user, device, text } = envelope;
  if (device === null) return false;
  const to = hub.deliveryLinks.movedTo(user, device);
  if (to === undefined) return false;
  if (text !== undefined) hub.engine.send(to, { user, device, text });
  return true;
}
