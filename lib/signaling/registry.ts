/**
 * The connected users of this instance, each on one or more devices.
 * @module
 */
import type { Session } from "./session.ts";

/** The connected users, each on one or more devices. */
export class Registry {
  #users = new Map<string, Map<string, Session>>();
  #size = 0;

  /**
   * Registers a session. A session for a device that is already connected
   * replaces it (the page reconnected); the replaced session is returned.
   */
  add(session: Session): Session | undefined {
    let devices = this.#users.get(session.userId);
    if (!devices) this.#users.set(session.userId, devices = new Map());
    const replaced = devices.get(session.deviceId);
    if (!replaced) this.#size++;
    devices.set(session.deviceId, session);
    return replaced;
  }

  /** Removes a session; false when it is not the one registered for its device. */
  remove(session: Session): boolean {
    const devices = this.#users.get(session.userId);
    if (devices?.get(session.deviceId) !== session) return false;
    devices.delete(session.deviceId);
    if (devices.size === 0) this.#users.delete(session.userId);
    this.#size--;
    return true;
  }

  /** The session of one device of a user, if connected. */
  get(userId: string, deviceId: string): Session | undefined {
    return this.#users.get(userId)?.get(deviceId);
  }

  /** Every connected device of a user. */
  devices(userId: string): Session[] {
    return [...this.#users.get(userId)?.values() ?? []];
  }

  /** Whether a user is connected on any device. */
  has(userId: string): boolean {
    return this.#users.has(userId);
  }

  /** Every connected user's id. */
  users(): string[] {
    return [...this.#users.keys()];
  }

  /** Every connected session. */
  *sessions(): IterableIterator<Session> {
    for (const devices of this.#users.values()) yield* devices.values();
  }

  /** How many sessions (devices) are connected. */
  get size(): number {
    return this.#size;
  }
}
