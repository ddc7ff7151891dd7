import type { Session } from "./session.ts";

/** The connected users: at most one session per user id. */
export class Registry {
  #sessions = new Map<string, Session>();

  /** Registers a session; false when its user id is already connected. */
  add(session: Session): boolean {
    if (this.#sessions.has(session.userId)) return false;
    this.#sessions.set(session.userId, session);
    return true;
  }

  /** Removes a session; false when it is not the one registered for its id. */
  remove(session: Session): boolean {
    if (this.#sessions.get(session.userId) !== session) return false;
    this.#sessions.delete(session.userId);
    return true;
  }

  /** The session of a user id, if connected. */
  get(userId: string): Session | undefined {
    return this.#sessions.get(userId);
  }

  /** Every connected session. */
  sessions(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /** How many users are connected. */
  get size(): number {
    return this.#sessions.size;
  }
}
