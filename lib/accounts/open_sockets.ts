/**
 * The signaling sockets each session has open on this instance, so that a
 * sign-out closes them at once.
 * @module
 */
import type { SessionRef } from "./session_cookie.ts";

/** Something that can be closed with a code and a reason: a WebSocket. */
export interface Closable {
  close(code: number, reason: string): void;
}

/** Open sockets by user, then by session id. */
export class OpenSockets {
  #byUser = new Map<string, Map<string, Set<Closable>>>();

  add(session: SessionRef, socket: Closable): void {
    const sessions = this.#byUser.get(session.userId) ??
      this.#byUser.set(session.userId, new Map()).get(session.userId)!;
    const sockets = sessions.get(session.sessionId) ??
      sessions.set(session.sessionId, new Set()).get(session.sessionId)!;
    sockets.add(socket);
  }

  remove(session: SessionRef, socket: Closable): void {
    const sessions = this.#byUser.get(session.userId);
    const sockets = sessions?.get(session.sessionId);
    if (!sessions || !sockets) return;
    sockets.delete(socket);
    if (sockets.size === 0) sessions.delete(session.sessionId);
    if (sessions.size === 0) this.#byUser.delete(session.userId);
  }

  /** Closes the sockets of one session of `userId`, or of all of them (`sessionId` null). */
  close(
    userId: string,
    sessionId: string | null,
    code: number,
    reason: string,
  ): void {
    const sessions = this.#byUser.get(userId);
    if (!sessions) return;
    for (const [id, sockets] of [...sessions]) {
      if (sessionId !== null && id !== sessionId) continue;
      for (const socket of [...sockets]) socket.close(code, reason);
    }
  }
}
