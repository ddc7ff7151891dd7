/**
 * The session cookie: `<user id>.<session id>.<MAC>`, HttpOnly, Secure,
 * SameSite=Strict. The session id is 32 random bytes and the store keeps
 * only its SHA-256; the MAC (HMAC-SHA256 under the store's cookie key) lets
 * a `/ws` handshake know the user synchronously, before the upgrade (see
 * `websocket.ts` for why nothing may wait there); the store then confirms
 * the session is live before the socket joins.
 * @module
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { isUserId } from "../wire/protocol.ts";

/** The cookie's name. */
export const COOKIE_NAME = "nexus_session";

/** A session the cookie names. */
export interface SessionRef {
  userId: string;
  sessionId: string;
}

/** Random bytes as base64url: session ids, invite codes, challenges. */
export function randomCode(bytes = 32): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(
    /\//g,
    "_",
  ).replace(/=+$/, "");
}

/** SHA-256 of `secret`, hex: what the store keeps of invite codes and session ids. */
export function secretHash(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

function mac(key: Uint8Array, userId: string, sessionId: string): Buffer {
  return createHmac("sha256", key).update(`${userId}.${sessionId}`).digest();
}

/** The cookie's value for a session. */
export function cookieValue(key: Uint8Array, session: SessionRef): string {
  const { userId, sessionId } = session;
  return `${userId}.${sessionId}.${
    mac(key, userId, sessionId).toString("base64url")
  }`;
}

/** The session a request's `Cookie` header names, if its MAC holds. */
export function readSessionCookie(
  key: Uint8Array,
  cookieHeader: string | null,
): SessionRef | null {
  const value = cookie(cookieHeader, COOKIE_NAME);
  // A user id may hold dots: the session id and MAC are the last two parts.
  const parts = value?.split(".") ?? [];
  if (parts.length < 3) return null;
  const given = Buffer.from(parts.pop()!, "base64url");
  const sessionId = parts.pop()!;
  const userId = parts.join(".");
  if (!isUserId(userId) || !/^[\w-]{43}$/.test(sessionId)) return null;
  const expected = mac(key, userId, sessionId);
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { userId, sessionId }
    : null;
}

/** `Set-Cookie` for a new session lasting `maxAgeS`. */
export function setSessionCookie(value: string, maxAgeS: number): string {
  return `${COOKIE_NAME}=${value}; Path=/; Max-Age=${maxAgeS}; HttpOnly; Secure; SameSite=Strict`;
}

/** The cookie that binds a single sign-on to the browser that started it. */
export const SIGN_ON_COOKIE = "nexus_sign_on";

/**
 * `Set-Cookie` for a single sign-on's binding: sent only back to the
 * callback, and `SameSite=Lax`, since the provider's redirect there is a
 * cross-site navigation.
 */
export function setSignOnCookie(binding: string, maxAgeS: number): string {
  return `${SIGN_ON_COOKIE}=${binding}; Path=/auth/oidc/callback; Max-Age=${maxAgeS}; HttpOnly; Secure; SameSite=Lax`;
}

/** `Set-Cookie` that removes the single sign-on's binding. */
export const CLEAR_SIGN_ON_COOKIE =
  `${SIGN_ON_COOKIE}=; Path=/auth/oidc/callback; Max-Age=0; HttpOnly; Secure; SameSite=Lax`;

/** The value of cookie `name` in a `Cookie` header, if it is there. */
export function cookie(
  cookieHeader: string | null,
  name: string,
): string | null {
  return cookieHeader?.split(";").map((part) => part.trim()).find((part) =>
    part.startsWith(`${name}=`)
  )?.slice(name.length + 1) ?? null;
}

/** `Set-Cookie` that removes the session cookie. */
export const CLEAR_SESSION_COOKIE =
  `${COOKIE_NAME}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
