/**
 * Accounts mode over real HTTP and real sockets, against Deno KV and Redis:
 * every bad input answered in words, the same answer whether or not an
 * account exists, rate limits, the session cookie at the `/ws` handshake,
 * a sign-out closing a live socket, writes that survive `kill -9`, and no
 * secret in the logs. The passkey ceremonies themselves run in Chromium
 * (`browser_accounts_test.ts`).
 */
import assert from "node:assert/strict";
import { KvAccountStore } from "../lib/accounts/kv_store.ts";
import { RedisAccountStore } from "../lib/accounts/redis_store.ts";
import { PER_ADDRESS } from "../lib/accounts/http.ts";
import { secretHash } from "../lib/accounts/session_cookie.ts";
import type { AccountStore } from "../lib/accounts/store.ts";
import {
  type AppProcess,
  startAppProcess,
  untilReady,
} from "./support/app_process.ts";
import {
  needsPermissions,
  needsService,
  REDIS,
} from "./support/environment.ts";
import { startRedis } from "./support/redis.ts";
import { post, signedIn } from "./support/accounts.ts";

async function refusal(response: Response): Promise<[number, string]> {
  const body = await response.json();
  assert.equal(typeof body.message, "string", JSON.stringify(body));
  return [response.status, body.error];
}

/** A `/ws` handshake over plain HTTP, to read a refusal's status and sentence. */
function handshake(app: AppProcess, cookie: string | null): Promise<Response> {
  return fetch(`${app.http}/ws`, {
    headers: {
      upgrade: "websocket",
      connection: "upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
      ...(cookie && { cookie }),
    },
  });
}

/** Opens `/ws` with `cookie`; resolves with its first message or its close. */
function socketWith(
  app: AppProcess,
  cookie: string,
): { socket: WebSocket; first: Promise<string>; closed: Promise<CloseEvent> } {
  const socket = new WebSocket(
    `${app.http.replace("http", "ws")}/ws`,
    // Deno's WebSocket takes handshake headers, as a browser sends its cookie.
    { headers: { cookie } } as never,
  );
  const first = new Promise<string>((resolve) =>
    socket.addEventListener("message", (event) => resolve(event.data), {
      once: true,
    })
  );
  const closed = new Promise<CloseEvent>((resolve) =>
    socket.addEventListener("close", resolve)
  );
  socket.addEventListener("error", () => {});
  return { socket, first, closed };
}

/** The steps every store keeps: the socket, a sign-out closing it, and kill -9. */
async function durableSteps(
  t: Deno.TestContext,
  env: Record<string, string>,
  openStore: () => Promise<AccountStore>,
) {
  let app = await startAppProcess(env);
  await untilReady([app]);
  const store = await openStore();
  try {
    const alice = await signedIn(
      store,
      `alice-${crypto.randomUUID().slice(0, 6)}`,
    );
    await t.step(
      "/ws: the cookie's session joins; signing out closes its live socket",
      async () => {
        for (const cookie of [null, alice.cookie.replace("=alice", "=alicf")]) {
          const refused = await handshake(app, cookie);
          assert.equal(refused.status, 401, "refused before the upgrade");
          assert.match(await refused.text(), /^Sign in first/);
        }
        const live = socketWith(app, alice.cookie);
        assert.equal(JSON.parse(await live.first).type, "session:ready");
        const out = await post(app, "sign-out", {}, { cookie: alice.cookie });
        assert.equal(out.status, 200);
        assert.match(out.headers.get("set-cookie") ?? "", /Max-Age=0/);
        const closed = await live.closed;
        assert.equal(closed.code, 1008);
        assert.equal(closed.reason, "signed out");
        // The same cookie again: its MAC holds, the store says no.
        const again = socketWith(app, alice.cookie);
        const refused = await again.closed;
        assert.equal(refused.code, 1008);
      },
    );
    await t.step(
      "kill -9 right after a write: an invite made and a sign-out are still there",
      async () => {
        const bob = await signedIn(
          store,
          `bob-${crypto.randomUUID().slice(0, 6)}`,
        );
        const made = await post(app, "invites", {}, { cookie: bob.cookie });
        assert.equal(made.status, 200);
        const { link } = await made.json();
        const carol = await signedIn(
          store,
          `carol-${crypto.randomUUID().slice(0, 6)}`,
        );
        assert.equal(
          (await post(app, "sign-out", {}, { cookie: carol.cookie })).status,
          200,
        );
        await app.kill();
        app = await startAppProcess(env);
        await untilReady([app]);
        const page =
          await (await fetch(link.replace(/^http:\/\/localhost:\d+/, app.http)))
            .text();
        assert.match(page, /Create your account/);
        const me = await fetch(`${app.http}/auth/me`, {
          headers: { cookie: carol.cookie },
        });
        assert.equal(me.status, 401);
        await me.body?.cancel();
      },
    );
  } finally {
    store.close();
    await app.stop();
  }
}

Deno.test({
  name:
    "accounts: bad input, one answer for any account, rate limits, no secret in the logs (Deno KV)",
  ignore: needsPermissions(),
  async fn(t) {
    const dir = await Deno.makeTempDir();
    const env = { NEXUS_ACCOUNTS: "on", NEXUS_ACCOUNTS_KV: `${dir}/a.db` };
    const app = await startAppProcess(env);
    await untilReady([app]);
    const store = await KvAccountStore.open(`${dir}/a.db`);
    try {
      const taken = await signedIn(store, "taken");
      await t.step(
        "every bad request is refused with a status, a code and a sentence",
        async () => {
          assert.deepEqual(
            await refusal(
              await fetch(`${app.http}/auth/sign-in/options`, {
                method: "POST",
                body: "{}",
              }),
            ),
            [403, "foreign-origin"],
            "no Origin: not a page of this server",
          );
          assert.deepEqual(
            await refusal(
              await post(app, "sign-in/options", {}, {
                origin: "http://evil.example",
              }),
            ),
            [403, "foreign-origin"],
          );
          assert.deepEqual(
            await refusal(await post(app, "register/options", "not json")),
            [400, "invalid-json"],
          );
          assert.deepEqual(
            await refusal(await post(app, "register/options", { invite: 5 })),
            [400, "invalid-request"],
          );
          assert.deepEqual(
            await refusal(
              await post(app, "register/options", {
                invite: "x",
                userId: "y".repeat(70_000),
              }),
            ),
            [413, "too-large"],
          );
          assert.deepEqual(await refusal(await post(app, "nonsense", {})), [
            404,
            "not-found",
          ]);
          assert.deepEqual(
            await refusal(await fetch(`${app.http}/auth/sign-in`)),
            [405, "method"],
          );
          assert.deepEqual(
            await refusal(
              await post(app, "register/options", {
                invite: "no-such-invite",
                userId: "zed",
              }),
            ),
            [400, "invite-invalid"],
          );
          await store.createInvite({
            v: 1,
            codeHash: secretHash("good-invite"),
            userId: null,
            createdBy: "operator",
            createdAt: Date.now(),
            expiresAt: Date.now() + 60_000,
          });
          assert.deepEqual(
            await refusal(
              await post(app, "register/options", {
                invite: "good-invite",
                userId: "taken",
              }),
            ),
            [409, "id-taken"],
          );
          assert.deepEqual(
            await refusal(
              await post(app, "register/options", {
                invite: "good-invite",
                userId: "no spaces",
              }),
            ),
            [400, "invalid-user-id"],
          );
          assert.deepEqual(await refusal(await fetch(`${app.http}/auth/me`)), [
            401,
            "signed-out",
          ]);
          assert.deepEqual(
            await refusal(
              await fetch(`${app.http}/auth/me`, {
                headers: { cookie: taken.cookie.replace("=taken", "=takem") },
              }),
            ),
            [401, "signed-out"],
          );
          const me = await fetch(`${app.http}/auth/me`, {
            headers: { cookie: taken.cookie },
          });
          const overview = await me.json();
          assert.equal(overview.userId, "taken", JSON.stringify(overview));
        },
      );
      await t.step(
        "a sign-in for an account that exists and one that does not get the same answer",
        async () => {
          const attempt = (userId: string) =>
            post(app, "sign-in", {
              response: {
                id: `key-${userId}`,
                rawId: `key-${userId}`,
                type: "public-key",
                response: {
                  clientDataJSON: btoa("{}"),
                  authenticatorData: "",
                  signature: "",
                  userHandle: btoa(userId).replace(/=+$/, ""),
                },
                clientExtensionResults: {},
              },
            });
          const existing = await attempt("taken");
          const missing = await attempt("nobody");
          assert.equal(existing.status, missing.status);
          assert.deepEqual(await existing.json(), await missing.json());
        },
      );
      await t.step(
        "ceremonies from one address are rate limited, with Retry-After",
        async () => {
          const statuses = [];
          for (let i = 0; i <= PER_ADDRESS.capacity; i++) {
            const response = await post(app, "sign-in/options", {});
            statuses.push(response.status);
            if (response.status === 429) {
              assert.equal(response.headers.get("retry-after"), "5");
            }
            await response.body?.cancel();
          }
          assert.equal(
            statuses.filter((status) => status === 429).length >= 1,
            true,
            String(statuses),
          );
        },
      );
      await t.step(
        "no cookie, session id or invite code in the server's logs",
        () => {
          const logs = app.output();
          assert.ok(!logs.includes(taken.sessionId));
          assert.ok(!logs.includes("good-invite"));
          assert.ok(!logs.includes(taken.cookie.split("=")[1]));
        },
      );
    } finally {
      store.close();
      await app.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "accounts: the session cookie at /ws, a sign-out closing a live socket, kill -9 (Deno KV)",
  ignore: needsPermissions(),
  async fn(t) {
    const dir = await Deno.makeTempDir();
    try {
      await durableSteps(
        t,
        { NEXUS_ACCOUNTS: "on", NEXUS_ACCOUNTS_KV: `${dir}/a.db` },
        () => KvAccountStore.open(`${dir}/a.db`),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "accounts: the session cookie at /ws, a sign-out closing a live socket, kill -9 (Redis)",
  ignore: needsService(REDIS),
  async fn(t) {
    const redis = await startRedis();
    const env = { NEXUS_ACCOUNTS: "on", NEXUS_REDIS_URL: redis.url };
    try {
      await durableSteps(t, env, () => RedisAccountStore.open(redis.url));
      await t.step(
        "signing out everywhere on one instance closes the socket on another",
        async () => {
          const one = await startAppProcess(env);
          const other = await startAppProcess(env);
          const store = await RedisAccountStore.open(redis.url);
          try {
            await untilReady([one, other]);
            const dana = await signedIn(store, "dana");
            const live = socketWith(other, dana.cookie);
            assert.equal(JSON.parse(await live.first).type, "session:ready");
            const out = await post(one, "sign-out-everywhere", {}, {
              cookie: dana.cookie,
            });
            assert.equal(out.status, 200);
            const closed = await live.closed;
            assert.equal(closed.code, 1008);
            assert.equal(closed.reason, "signed out");
          } finally {
            store.close();
            await one.stop();
            await other.stop();
          }
        },
      );
    } finally {
      await redis.stop();
    }
  },
});
