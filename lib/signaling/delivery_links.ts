/**
 * The delivery sessions of this instance's devices, by user and device: a
 * device's socket opens one or resumes it (when it names the session's id),
 * and a session whose socket closed is kept for the resume grace, taking
 * what is sent to its device meanwhile, before it is forgotten. One sweep
 * every `SWEEP_MS`, while any session needs it, sends the acknowledgements
 * owed for `SERVER_ACK_DELAY_MS` and checks the deadlines of what waits for
 * one.
 * @module
 */
import type { DeliverySessionInfo } from "../wire/protocol.ts";
import { DeliveryLink, type LinkSweep } from "./delivery_link.ts";
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

/** A random session id: 16 bytes, base64url. */
function newSessionId(): string {
  return crypto.getRandomValues(new Uint8Array(16)).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
}

/** Delivery sessions by device, kept for `graceMs` once their socket closes. */
export class DeliveryLinks {
  #links = new Map<string, { link: DeliveryLink; expiry: unknown }>();
  /** Each user's devices with a session here. */
  #devices = new Map<string, Set<string>>();
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

  constructor(
    private readonly timers: Timers,
    private readonly graceMs: number,
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
    const resumed = kept !== undefined && kept.link.id === resume;
    if (kept && !resumed) this.#forget(kept.link);
    const link = resumed
      ? kept.link
      : new DeliveryLink(newSessionId(), this.#sweep);
    this.#links.set(key, { link, expiry: null });
    const devices = this.#devices.get(userId) ?? new Set();
    this.#devices.set(userId, devices.add(deviceId));
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
    kept.expiry = this.timers.set(() => {
      if (this.#links.get(key)?.link !== link) return;
      this.#links.delete(key);
      const devices = this.#devices.get(userId);
      devices?.delete(deviceId);
      if (devices?.size === 0) this.#devices.delete(userId);
      this.#forget(link);
    }, this.graceMs);
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
    this.#owing.clear();
    this.#waiting.clear();
    if (this.#sweepTimer !== null) this.timers.clear(this.#sweepTimer);
    this.#sweepTimer = null;
  }

  #forget(link: DeliveryLink): void {
    link.dispose();
    this.#owing.delete(link);
    this.#waiting.delete(link);
  }
}
