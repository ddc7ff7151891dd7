/**
 * The signaling hub: joins sessions, reads their frames and routes each
 * message to the user in `to`, with `from` stamped as the sender's own id.
 *
 * It tracks calls so that only the two parties of a call can signal each
 * other. A user may be connected on several devices: an incoming call rings
 * them all, the first to answer gets the call and the others stop ringing.
 * A device that loses its connection keeps its call for a grace period, and
 * takes it back when it reconnects; two users calling each other at once end
 * up in exactly one call, the one placed by the lower user id.
 *
 * The hub holds this instance's sockets. Who is connected where, and which
 * calls exist, live in its engine, so that these rules hold across instances:
 * every change of a call is an atomic swap there, retried when another
 * instance changed the call first.
 *
 * This file is the hub's public face; each rule lives in its own file of
 * this folder (`call_request.ts`, `glare.ts`, `ring_timeout.ts`,
 * `resume.ts`, `relay.ts`, …), all sharing one `HubContext`.
 * @module
 */
import type { EndReason } from "../../wire/protocol.ts";
import type { CallTable } from "../call_table.ts";
import type { SignalingEngine, SignOut } from "../engines/engine.ts";
import { PresenceFeed } from "../presence_feed.ts";
import type { DeliveryLinks } from "../delivery_links.ts";
import type { Registry } from "../registry.ts";
import type { Session, SignalingSocket } from "../session.ts";
import { announceMissedCount } from "./call_history.ts";
import { createContext, type HubContext } from "./context.ts";
import { takeOverDelivery } from "./delivery_handover.ts";
import { receive } from "./dispatch.ts";
import { inboxOf } from "./engine_inbox.ts";
import { hangUpFor, stopRetryingHangups } from "./hang_up.ts";
import type { HubOptions, JoinOptions } from "./options.ts";
import { audienceChanged } from "./reachability.ts";
import { declineFromAway } from "./call_response.ts";
import { sendError } from "./replies.ts";
import { connect, disconnect } from "./joining.ts";

export * from "./options.ts";
export type { Timers } from "../timers.ts";

/** The signaling hub of one server. */
export class SignalingHub {
  #hub: HubContext;

  constructor(options: HubOptions) {
    const hub = createContext(options, inboxOf);
    if (options.presence ?? true) {
      hub.presence = new PresenceFeed(
        {
          sessions: () => hub.registry.sessions(),
          snapshot: () => hub.engine.presence(),
          failed: (error, waiting) => {
            hub.observer.engineFailed?.("presence", error);
            for (const session of waiting) {
              sendError(hub, session, "unavailable");
            }
          },
          shows: hub.reachability &&
            ((session, userId) =>
              hub.presenceSeen.get(session.userId)?.has(userId) ?? false),
        },
        hub.timers,
        options.presenceWindowMs,
      );
    }
    this.#hub = hub;
  }

  /** The delivery sessions of this instance's devices (`delivery=1`). */
  get deliveryLinks(): DeliveryLinks {
    return this.#hub.deliveryLinks;
  }

  /**
   * Before `deviceId` joins naming its delivery session `session`: fetches
   * the session from the instance that made it, when that is another one;
   * undefined when there is nothing to wait for.
   */
  takeOverDelivery(
    userId: string,
    deviceId: string,
    session: string,
  ): Promise<void> | undefined {
    return takeOverDelivery(this.#hub, userId, deviceId, session);
  }

  /** This instance's connected users and their devices. */
  get registry(): Registry {
    return this.#hub.registry;
  }

  /** The calls of this instance's users, as last seen: what relaying checks against. */
  get calls(): CallTable {
    return this.#hub.calls;
  }

  /** Where users and calls are shared with other instances. */
  get engine(): SignalingEngine {
    return this.#hub.engine;
  }

  /** Tells every other instance that sessions signed out, so that they close their sockets. */
  signOutElsewhere(signOut: SignOut): void {
    this.#hub.engine.broadcast({ signedOut: signOut });
  }

  /**
   * Whose presence these users may see changed (a contact, a block, who may
   * call): each instance with one of their devices sends it the list again.
   */
  audienceChanged(userIds: Iterable<string>): Promise<void> {
    return audienceChanged(this.#hub, userIds);
  }

  /** Tells every device of `userId` how many calls it missed now. */
  missedCallsChanged(userId: string): Promise<void> {
    return announceMissedCount(this.#hub, userId);
  }

  /**
   * `userId` declines the call `callId` ringing it, from where no page is
   * open (a notification's Decline); false when no such call rings it.
   */
  declineFromAway(userId: string, callId: string): Promise<boolean> {
    return declineFromAway(this.#hub, userId, callId);
  }

  /**
   * Hangs up the call `userId`'s devices here take part in, as if they had
   * (a guest whose call link was revoked), before their sockets are closed.
   */
  hangUpFor(userId: string, reason: EndReason): Promise<void> {
    return hangUpFor(this.#hub, userId, reason);
  }

  /** Starts the engine, so that other instances reach this one. */
  start(): Promise<void> {
    return this.#hub.engine.start(this.#hub.inbox);
  }

  /**
   * Joins a socket under `userId` (already verified). A user may be connected
   * on several devices; a device that reconnects replaces its old connection
   * (closed with 4409) and takes back its call.
   */
  connect(
    userId: string,
    socket: SignalingSocket,
    join: JoinOptions = {},
  ): Session {
    return connect(this.#hub, userId, socket, join);
  }

  /** Handles one frame from a session: text frames only. Settles when it is handled. */
  receive(session: Session, frame: unknown): Promise<void> | void {
    return receive(this.#hub, session, frame);
  }

  /**
   * Removes a session whose socket closed. A call that needed this device
   * waits the grace period for it to come back, then ends with `peer-gone`.
   * Settles once the engine knows.
   */
  disconnect(session: Session): Promise<void> | void {
    return disconnect(this.#hub, session);
  }

  /** Closes every socket, e.g. with 1012 when the server restarts. */
  closeAll(code: number, reason: string): void {
    for (const session of [...this.#hub.registry.sessions()]) {
      session.socket.close(code, reason);
    }
  }

  /** Stops the engine: other instances no longer reach this one. */
  stop(): Promise<void> {
    this.#hub.presence?.stop();
    this.#hub.deliveryLinks.clear();
    stopRetryingHangups(this.#hub);
    return this.#hub.engine.close();
  }
}
