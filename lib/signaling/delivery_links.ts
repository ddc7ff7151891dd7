/**
 * The delivery sessions of this instance's devices, by user and device: a
 * device's socket opens one or resumes it (when it names the session's id),
 * and a session whose socket closed is kept for the resume grace, taking
 * what is sent to its device meanwhile, before it is forgotten. A session's
 * id begins with the instance that made it, so that a device that comes
 * back on another instance can have it handed over (`handOver`, `adopt`);
 * what is sent here for the device after that goes on to its new
 * instance (`movedTo`) for the grace. One sweep
 * every `SWEEP_MS`, while any session needs it, sends the acknowledgements
 * owed for `SERVER_ACK_DELAY_MS` and checks the deadlines of what waits for
 * one.
 * @module
 */
import { CLOSE_CODES, type DeliverySessionInfo } from "../wire/protocol.ts";
import {
  DeliveryLink,
  type DeliverySessionState,
  type LinkSweep,
  restoredLog,
} from "./delivery_link.ts";
import type { SignalingSocket } from "./session.ts";
import type { Timers } from "./timers.ts";

/** How often the sweep runs: the deadlines of what waits are checked this finely. */
const SWEEP_MS = 250;

/**
 * How long the server lets an acknowledgement it owes a page wait for a
 * frame to ride on. Longer than the page's `ACK_DELAY_MS`: a server
 * relaying for thousands of sessions would otherwise write an `ack` of its
 * own to most of them at every sweep, all at once, while the page's next
 * message to it carries the acknowledgement within the second anyway. With
 * the sweep's step it is sent within 1 s, well inside the page's 2 s
 * `UNACKED_DEADLINE_MS`.
 */
export const SERVER_ACK_DELAY_MS = 750;

/** A new session id: the instance's, a dot, and 16 random bytes in base64url (which has no dot). */
function newSessionId(instanceId: string): string {
  return `${instanceId}.${
    crypto.getRandomValues(new Uint8Array(16)).toBase64({
      alphabet: "base64url",
      omitPadding: true,
    })
  }`;
}

/** Whether a kept session is the one the page names `id`. */
function named(
  kept: { link: DeliveryLink; formerId?: string },
  id: string | null,
): boolean {
  return id !== null && (kept.link.id === id || kept.formerId === id);
}

/** The instance that made the session `id`, or null when the id names none. */
export function sessionInstance(id: string): string | null {
  const dot = id.lastIndexOf(".");
  return dot > 0 ? id.slice(0, dot) : null;
}

/** Delivery sessions by device, kept for `graceMs` once their socket closes. */
export class DeliveryLinks {
  /** Each device's session; `formerId`: the id the page knows a session by that was handed over from another instance, until it resumes it. */
  #links = new Map<
    string,
    { link: DeliveryLink; expiry: unknown; formerId?: string }
  >();
  /** Each user's devices with a session here. */
  #devices = new Map<string, Set<string>>();
  /** Devices whose session was handed over, with the instance it went to, for the grace. */
  #moved = new Map<string, { to: string; expiry: unknown }>();
  /** Links that owe their page an acknowledgement, by when they began to: oldest first. */
  #owing = new Map<DeliveryLink, number>();
  #waiting = new Set<DeliveryLink>();
  #sweepTimer: unknown = null;
  #sweep: LinkSweep = {
    now: () => this.now(),
    owes: (link) => {
      // A link that owes already keeps its place: its debt is as old as its first.
      if (this.#owing.has(link)) return;
      this.#owing.set(link, this.now());
      this.#armSweep();
    },
    waits: (link) => {
      this.#waiting.add(link);
      this.#armSweep();
    },
  };

  /** `instanceId` is this instance's, which begins every session id made here. */
  constructor(
    private readonly timers: Timers,
    private readonly graceMs: number,
    private readonly instanceId: string,
    private readonly now: () => number = Date.now,
  ) {}

  #armSweep(): void {
    this.#sweepTimer ??= this.timers.set(() => {
      this.#sweepTimer = null;
      const now = this.now();
      for (const [link, since] of this.#owing) {
        if (now - since < SERVER_ACK_DELAY_MS) break;
        this.#owing.delete(link);
        link.acknowledgeIfDue();
      }
      for (const link of this.#waiting) {
        if (!link.checkDeadline(now)) this.#waiting.delete(link);
      }
      if (this.#waiting.size > 0 || this.#owing.size > 0) this.#armSweep();
    }, SWEEP_MS);
  }

  /**
   * The delivery session for `socket`, the device's new one: the one named
   * `resume` if this instance still has it (its unacknowledged messages
   * then go again after `session:ready`), else a new one.
   */
  open(
    userId: string,
    deviceId: string,
    resume: string | null,
    received: number,
    socket: SignalingSocket,
  ): { link: DeliveryLink; info: DeliverySessionInfo } {
    const key = `${userId} ${deviceId}`;
    const kept = this.#links.get(key);
    if (kept?.expiry) this.timers.clear(kept.expiry);
    const resumed = kept !== undefined && named(kept, resume);
    if (kept && !resumed) this.#forget(kept.link);
    const link = resumed
      ? kept.link
      : new DeliveryLink(newSessionId(this.instanceId), this.#sweep);
    this.#keep(userId, deviceId, link, null);
    link.attach(socket, resumed ? received : 0);
    return {
      link,
      info: { session: link.id, received: link.received, resumed },
    };
  }

  /** `socket` of `link` closed: the session waits the grace period for the device. */
  closed(
    userId: string,
    deviceId: string,
    link: DeliveryLink,
    socket: SignalingSocket,
  ): void {
    if (!link.detach(socket)) return;
    const key = `${userId} ${deviceId}`;
    const kept = this.#links.get(key);
    if (kept?.link !== link) return;
    kept.expiry = this.#expiry(userId, deviceId, link);
  }

  /** Whether the session `id` of this device is kept here. */
  has(userId: string, deviceId: string, id: string): boolean {
    const kept = this.#links.get(`${userId} ${deviceId}`);
    return kept !== undefined && named(kept, id);
  }

  /**
   * Another instance (`to`) asks for the session `id` of a device that came
   * back there: it leaves this one, as it stands (its socket here, if any,
   * is closed as replaced), and what is sent here for the device meanwhile
   * goes on to `to` for the grace. Null when this instance no longer has it.
   */
  handOver(
    userId: string,
    deviceId: string,
    id: string,
    to: string,
  ): DeliverySessionState | null {
    const key = `${userId} ${deviceId}`;
    const kept = this.#links.get(key);
    if (!kept || !named(kept, id)) return null;
    const state = kept.link.state();
    const socket = kept.link.socket;
    this.#drop(userId, deviceId);
    this.#unmove(key);
    this.#moved.set(key, {
      to,
      expiry: this.timers.set(() => this.#unmove(key), this.graceMs),
    });
    socket?.close(CLOSE_CODES.replaced, "replaced by a newer connection");
    return state;
  }

  /**
   * Takes up a session another instance handed over, kept for the grace
   * until the device's socket resumes it, under a new id of this instance's
   * (the page learns it as it resumes, so that next time it asks here);
   * false when the state is not one a session could hold.
   */
  adopt(
    userId: string,
    deviceId: string,
    state: DeliverySessionState,
  ): boolean {
    const log = restoredLog(state);
    if (!log) return false;
    this.#drop(userId, deviceId);
    this.#unmove(`${userId} ${deviceId}`);
    const link = new DeliveryLink(
      newSessionId(this.instanceId),
      this.#sweep,
      log,
    );
    this.#keep(
      userId,
      deviceId,
      link,
      this.#expiry(userId, deviceId, link),
      state.session,
    );
    return true;
  }

  /** The instance a device's session was handed over to, within the grace. */
  movedTo(userId: string, deviceId: string): string | undefined {
    return this.#moved.get(`${userId} ${deviceId}`)?.to;
  }

  #unmove(key: string): void {
    const moved = this.#moved.get(key);
    if (!moved) return;
    this.timers.clear(moved.expiry);
    this.#moved.delete(key);
  }

  /** Where what is sent to a device with no socket here goes: its kept session, if any. */
  parked(userId: string, deviceId: string): SignalingSocket | undefined {
    const link = this.#links.get(`${userId} ${deviceId}`)?.link;
    return link && {
      send: (text) => link.send(text),
      close: () => {},
    };
  }

  /** The devices of `userId` whose sessions are kept here while they have no socket. */
  *parkedDevices(userId: string): Iterable<string> {
    for (const deviceId of this.#devices.get(userId) ?? []) {
      if (this.#links.get(`${userId} ${deviceId}`)?.expiry) yield deviceId;
    }
  }

  /** Sessions kept now. */
  get size(): number {
    return this.#links.size;
  }

  /** Forgets every session, e.g. when the server stops. */
  clear(): void {
    for (const { link, expiry } of this.#links.values()) {
      if (expiry) this.timers.clear(expiry);
      link.dispose();
    }
    this.#links.clear();
    this.#devices.clear();
    for (const { expiry } of this.#moved.values()) this.timers.clear(expiry);
    this.#moved.clear();
    this.#owing.clear();
    this.#waiting.clear();
    if (this.#sweepTimer !== null) this.timers.clear(this.#sweepTimer);
    this.#sweepTimer = null;
  }

  #keep(
    userId: string,
    deviceId: string,
    link: DeliveryLink,
    expiry: unknown,
    formerId?: string,
  ): void {
    this.#links.set(`${userId} ${deviceId}`, { link, expiry, formerId });
    const devices = this.#devices.get(userId) ?? new Set();
    this.#devices.set(userId, devices.add(deviceId));
  }

  /** Forgets `link` after the grace, unless the device has resumed it (or another) by then. */
  #expiry(userId: string, deviceId: string, link: DeliveryLink): unknown {
    return this.timers.set(() => {
      if (this.#links.get(`${userId} ${deviceId}`)?.link === link) {
        this.#drop(userId, deviceId);
      }
    }, this.graceMs);
  }

  /** Forgets the device's session here, if any. */
  #drop(userId: string, deviceId: string): void {
    const key = `${userId} ${deviceId}`;
    const kept = this.#links.get(key);
    if (!kept) return;
    if (kept.expiry) this.timers.clear(kept.expiry);
    this.#links.delete(key);
    const devices = this.#devices.get(userId);
    devices?.delete(deviceId);
    if (devices?.size === 0) this.#devices.delete(userId);
    this.#forget(kept.link);
  }

  #forget(link: DeliveryLink): void {
    link.dispose();
    this.#owing.delete(link);
    this.#waiting.delete(link);
  }
}
