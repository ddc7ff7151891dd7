/**
 * Sessions: each sign-in makes a new one, named by the session cookie
 * (`session_cookie.ts`) and kept in the store (as its id's hash) with its
 * expiry, browser and last use; signing out ends it, and its sockets close.
 * @module
 */
import {
  cookieValue,
  randomCode,
  readSessionCookie,
  secretHash,
  type SessionRef,
} from "./session_cookie.ts";
import type { AccountStore } from "./store.ts";
import { RECORD_VERSION } from "./records.ts";

/** A session made: the cookie to set, and for whom. */
export interface NewSession {
  cookie: string;
  userId: string;
  maxAgeS: number;
}

/** How often a session's last use is written. */
export const LAST_USE_EVERY_MS = 60_000;

/** How sessions are run. */
export interface SessionsOptions {
  /** How long a sign-in lasts. */
  sessionDays: number;
  now: () => number;
  /** Told when sessions end, so that their open sockets close: one (by its id's hash), or all of the user's. */
  revoked?(userId: string, sessionHash: string | null): void;
}

/** The sessions of one store, under its cookie key. */
export class Sessions {
  constructor(
    private readonly store: AccountStore,
    private readonly cookieKey: Uint8Array,
    private readonly options: SessionsOptions,
  ) {}

  /** The session a `Cookie` header names, checked by its MAC alone: synchronous, for handshakes. */
  sessionOf(cookieHeader: string | null): SessionRef | null {
    return readSessionCookie(this.cookieKey, cookieHeader);
  }

  /** Whether the session is live in the store (not signed out, not expired); notes its use. */
  async confirm(session: SessionRef): Promise<boolean> {
    const idHash = secretHash(session.sessionId);
    const signIn = await this.store.signIn(session.userId, idHash);
    if (!signIn) return false;
    // The last use is for people to tell their sessions apart: to the minute
    // is enough, and a handshake need not write.
    const now = this.options.now();
    if (now - signIn.lastUsedAt > LAST_USE_EVERY_MS) {
      await this.store.saveSignIn({ ...signIn, lastUsedAt: now });
    }
    return true;
  }

  /** Signs `userId` in on `device`: a new session, and its cookie. */
  async open(userId: string, device: string): Promise<NewSession> {
    const sessionId = randomCode();
    const now = this.options.now();
    const maxAgeS = this.options.sessionDays * 86_400;
    await this.store.saveSignIn({
      v: RECORD_VERSION,
      userId,
      idHash: secretHash(sessionId),
      createdAt: now,
      expiresAt: now + maxAgeS * 1000,
      lastUsedAt: now,
      device,
    });
    return {
      cookie: cookieValue(this.cookieKey, { userId, sessionId }),
      userId,
      maxAgeS,
    };
  }

  /** The user's live sessions, last used first, `session` marked as this one. */
  async list(session: SessionRef) {
    const current = secretHash(session.sessionId);
    return (await this.store.signIns(session.userId))
      .toSorted((a, b) => b.lastUsedAt - a.lastUsedAt)
      .map((signIn) => ({
        device: signIn.device,
        createdAt: signIn.createdAt,
        lastUsedAt: signIn.lastUsedAt,
        current: signIn.idHash === current,
      }));
  }

  /** Ends this session; its sockets close. */
  async signOut(session: SessionRef): Promise<void> {
    const hash = secretHash(session.sessionId);
    await this.store.revokeSignIn(session.userId, hash);
    this.options.revoked?.(session.userId, hash);
  }

  /** Ends every session of the user, this one too; all their sockets close. */
  async signOutEverywhere(userId: string): Promise<void> {
    await this.store.revokeSignIns(userId);
    this.options.revoked?.(userId, null);
  }
}
