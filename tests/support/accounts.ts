/**
 * Accounts for tests over real HTTP and sockets: an account made straight
 * in the store and signed in (the cookie its browser would hold), and a
 * request to `/auth/<action>` as the app's own page makes it.
 */
import assert from "node:assert/strict";
import { Sessions } from "../../lib/accounts/sessions.ts";
import type { AccountStore } from "../../lib/accounts/store.ts";
import type { AppProcess } from "./app_process.ts";
import { TestClient } from "./ws_client.ts";

/** An account made straight in the store, signed in: the cookie its browser would hold. */
export async function signedIn(
  store: AccountStore,
  userId: string,
): Promise<{ cookie: string; sessionId: string }> {
  await store.createInvite({
    v: 1,
    codeHash: `setup-${userId}`,
    userId,
    createdBy: "operator",
    createdAt: Date.now(),
    expiresAt: Date.now() + 60_000,
  });
  await store.register(`setup-${userId}`, {
    v: 1,
    userId,
    createdAt: Date.now(),
    canInvite: true,
  }, {
    v: 1,
    userId,
    credentialId: `key-${userId}`,
    publicKey: "unused",
    counter: 0,
    transports: [],
    label: "test",
    createdAt: Date.now(),
    lastUsedAt: null,
  }, Date.now());
  const sessions = new Sessions(store, await store.cookieKey(), {
    sessionDays: 1,
    now: Date.now,
  });
  const { cookie } = await sessions.open(userId, "test");
  // The cookie is `<user id>.<session id>.<MAC>`.
  return {
    cookie: `nexus_session=${cookie}`,
    sessionId: cookie.split(".").at(-2)!,
  };
}

/** A POST to `/auth/<action>` from the app's own page (its Origin), with a cookie if given. */
export function post(
  app: AppProcess,
  action: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${app.http}/auth/${action}`, {
    method: "POST",
    headers: {
      origin: app.http,
      "content-type": "application/json",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** An account for a test: its id, and the cookie its browser holds. */
export interface Person {
  userId: string;
  cookie: string;
}

/** A new account named after `name`, made straight in the store and signed in. */
export async function person(
  store: AccountStore,
  name: string,
): Promise<Person> {
  const userId = `${name}-${crypto.randomUUID().slice(0, 6)}`;
  return { userId, cookie: (await signedIn(store, userId)).cookie };
}

/** A change to `who`'s contacts through `app`, which must be taken. */
export async function act(
  app: AppProcess,
  who: Person,
  action: string,
  body: unknown,
): Promise<void> {
  const response = await post(app, action, body, { cookie: who.cookie });
  assert.equal(response.status, 200, await response.text());
}

/** Makes `a` and `b` each other's contacts. */
export async function befriend(
  app: AppProcess,
  a: Person,
  b: Person,
): Promise<void> {
  await act(app, a, "contacts/add", { userId: b.userId });
  await act(app, b, "contacts/add", { userId: a.userId });
}

/** Joins `app`'s `/ws` as `who`, with its cookie, once it has its presence list. */
export function joinAs(app: AppProcess, who: Person): Promise<TestClient> {
  return TestClient.join(
    `${app.http.replace("http", "ws")}/ws`,
    who.userId,
    "",
    who.cookie,
  );
}
