/**
 * The signaling sockets each session has open on this instance, so that a
 * sign-out closes them at once.
 * @module
 */
import { secretHash, type SessionRef } from "./session_cookie.ts";

/** Something that can be closed with a code and a reason: a WebSocket. */
export interface Closable {
  close(code: number, reason: string): void;
}

/**
 * Open sockets by user, then by the hash of their session's id (the name a
 * sign-out goes by between instances, which must not carry the id itself).
 */
export class OpenSockets {
  #byUser = new Map<string, Map<string, Set<Closable>>>();

  add(session: SessionRef, socket: Closable): void {
    const hash = secretHash(session.sessionId);
    const sessions = this.#byUser.get(session.userId) ??
      this.#byUser.set(session.userId, new Map()).get(session.userId)!;
    const sockets = sessions.get(hash) ??
      sessions.set(hash, new Set()).get(hash)!;
    sockets.add(socket);
  }

  remove(session: SessionRef, socket: Closable): void {
    const hash = secretHash(session.sessionId);
    const sessions = this.#byUser.get(session.userId);
    const sockets = sessions?.get(hash);
    if (!sessions || !sockets) return;
    sockets.delete(socket);
    if (sockets.size === 0) sessions.delete(hash);
    if (sessions.size === 0) this.#byUser.delete(session.userId);
  }

  /** Closes the sockets of one session of `userId` (by its id's hash), or of all of them (null). */
  close(
    userId: string,
    sessionHash: string | null,
    code: number,
    reason: string,
  ): void {
    const sessions = this.#byUser.get(userId);
    if (!sessions) return;
    for (const [hash, sockets] of [...sessions]) {
      if (sessionHash !== null && hash !== sessionHash) continue;
      for (const socket of [...sockets]) socket.close(code, reason);
    }
  }
}
