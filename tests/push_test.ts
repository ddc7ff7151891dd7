/**
 * Web Push ringing over real HTTP and sockets: the app in its own process
 * (accounts mode, Deno KV) pushes to the push service stand-in, which
 * checks each push's VAPID token and headers; the test decrypts the bodies
 * with npm `http_ece` as the browser would. A ring, its end under the same
 * Topic, a missed call, a Decline from a notification, an answer on a page,
 * 410 Gone, refused endpoints, the limit, and signing out.
 */
import assert from "node:assert/strict";
import { topicOf } from "../lib/push/push_message.ts";
import {
  befriend,
  joinAs,
  type Person,
  person,
  post,
} from "./support/accounts.ts";
import {
  type AppProcess,
  startAppProcess,
  untilReady,
} from "./support/app_process.ts";
import { RedisAccountStore } from "../lib/accounts/redis_store.ts";
import { startRedis } from "./support/redis.ts";
import { startPushApp } from "./support/push_app.ts";
import {
  needsPermissions,
  needsService,
  REDIS,
} from "./support/environment.ts";
import {
  decryptPush,
  type PushService,
  startPushService,
  subscriptionKeys,
} from "./support/push_service.ts";
import { TestClient } from "./support/ws_client.ts";

const RING_MS = 4_000;

/** `who` makes a browser ring: a subscription at a new endpoint of `service`. */
async function subscribe(app: AppProcess, who: Person, service: PushService) {
  const keys = subscriptionKeys();
  const endpoint = service.endpoint();
  const response = await post(app, "push/subscribe", {
    endpoint,
    keys: keys.keys,
  }, { cookie: who.cookie });
  assert.equal(response.status, 200, await response.text());
  return { keys, endpoint };
}

/** What `who`'s Settings list of ringing browsers says. */
async function browsersOf(app: AppProcess, who: Person) {
  const response = await fetch(`${app.http}/auth/push/browsers`, {
    headers: { cookie: who.cookie },
  });
  assert.equal(response.status, 200);
  return (await response.json()).browsers as {
    id: string;
    device: string;
    current: boolean;
  }[];
}

Deno.test({
  name:
    "push: a closed browser is rung (VAPID, encrypted, TTL, Urgency, Topic), its ring stopped or turned missed; Decline; 410; refused endpoints; limit; sign-out",
  ignore: needsPermissions(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const service = await startPushService();
    const { app, store, close } = await startPushApp(service, {
      NEXUS_RING_TIMEOUT_MS: String(RING_MS),
      NEXUS_PUSH_MAX_BROWSERS: "2",
      NEXUS_PUSH_SUBJECT: "mailto:ops@example.org",
    });
    const clients: TestClient[] = [];
    try {
      // Each caller rings within its own limit (3 rings at once).
      const [alice, bob, carol, erin] = await Promise.all(
        ["alice", "bob", "carol", "erin"].map((name) => person(store, name)),
      );
      await befriend(app, alice, bob);
      await befriend(app, carol, bob);
      let caller = await joinAs(app, alice);
      clients.push(caller);
      let pushes = 0;
      /** The next push the service takes, decrypted for `keys`. */
      const nextPush = async (keys: ReturnType<typeof subscriptionKeys>) => {
        const push = await service.nth(++pushes);
        return { push, message: await decryptPush(push, keys) as never };
      };
      const bobs = await subscribe(app, bob, service);

      await t.step(
        "a ring with no page open: VAPID token, aes128gcm, TTL of the ring left, Urgency high, the call's Topic",
        async () => {
          const key = await (await fetch(`${app.http}/auth/push/key`, {
            headers: { cookie: bob.cookie },
          })).json();
          caller.send("call:request", {
            to: bob.userId,
            hasVideo: true,
            hasAudio: true,
          });
          const { push, message } = await nextPush(bobs.keys);
          const ring = message as {
            kind: string;
            call: string;
            from: string;
            video: boolean;
            until: number;
          };
          assert.deepEqual(Object.keys(ring).toSorted(), [
            "call",
            "from",
            "kind",
            "until",
            "video",
          ]);
          assert.equal(ring.kind, "ring");
          assert.equal(ring.from, alice.userId);
          assert.equal(ring.video, true);
          assert.ok(Math.abs(ring.until - (Date.now() + RING_MS)) < 1_500);
          assert.equal(push.key, key.publicKey);
          assert.equal(push.claims.aud, service.origin);
          assert.equal(push.claims.sub, "mailto:ops@example.org");
          assert.equal(push.encoding, "aes128gcm");
          assert.equal(push.urgency, "high");
          assert.equal(push.topic, topicOf(ring.call));
          assert.ok(
            push.ttl! >= 1 && push.ttl! <= RING_MS / 1000,
            `TTL ${push.ttl}`,
          );

          // The caller hangs up while it rings: the same Topic, "missed".
          caller.send("call:end", { to: bob.userId });
          const stop = await nextPush(bobs.keys);
          assert.deepEqual(stop.message, {
            kind: "stop",
            call: ring.call,
            from: alice.userId,
            missed: true,
          });
          assert.equal(stop.push.topic, push.topic);
          assert.equal(stop.push.urgency, "normal");
        },
      );

      await t.step(
        "no answer: the ring times out as a missed call",
        async () => {
          caller.send("call:request", {
            to: bob.userId,
            hasVideo: false,
            hasAudio: true,
          });
          const ring = await nextPush(bobs.keys);
          assert.equal((ring.message as { video: boolean }).video, false);
          await caller.find(
            "call:end",
            (m) => m.payload.reason === "no-answer",
          );
          const stop = await nextPush(bobs.keys);
          assert.equal((stop.message as { missed: boolean }).missed, true);
        },
      );

      await t.step(
        "Decline from the notification ends the call for the caller; the ring stops, not missed",
        async () => {
          caller.send("call:request", {
            to: bob.userId,
            hasVideo: true,
            hasAudio: true,
          });
          const ring = await nextPush(bobs.keys);
          const callId = (ring.message as { call: string }).call;
          const stranger = await post(app, "push/decline", { call: callId }, {
            cookie: alice.cookie,
          });
          assert.deepEqual(await stranger.json(), { declined: false });
          const declined = await post(app, "push/decline", { call: callId }, {
            cookie: bob.cookie,
          });
          assert.deepEqual(await declined.json(), { declined: true });
          const response = await caller.find("call:response");
          assert.equal(response.payload.accepted, false);
          assert.equal(response.payload.reason, "declined");
          const stop = await nextPush(bobs.keys);
          assert.deepEqual(stop.message, {
            kind: "stop",
            call: callId,
            from: alice.userId,
            missed: false,
          });
          assert.equal(stop.push.urgency, "high");
        },
      );

      await t.step(
        "answered on a page that opened while it rang: the ring stops everywhere",
        async () => {
          caller = await joinAs(app, carol);
          clients.push(caller);
          caller.send("call:request", {
            to: bob.userId,
            hasVideo: true,
            hasAudio: true,
          });
          const ring = await nextPush(bobs.keys);
          const page = await joinAs(app, bob);
          clients.push(page);
          await page.find(
            "call:request",
            (m) => m.payload.from === carol.userId,
          );
          page.send("call:response", { to: carol.userId, accepted: true });
          await caller.find("call:response", (m) => m.payload.accepted);
          const stop = await nextPush(bobs.keys);
          assert.deepEqual(stop.message, {
            kind: "stop",
            call: (ring.message as { call: string }).call,
            from: carol.userId,
            missed: false,
          });
          caller.send("call:end", { to: bob.userId });
          await page.find("call:end");
          await page.close();
        },
      );

      await t.step(
        "a push service's 410 removes the browser; then nobody rings and the caller hears offline",
        async () => {
          service.gone(bobs.endpoint);
          caller.send("call:request", {
            to: bob.userId,
            hasVideo: true,
            hasAudio: true,
          });
          // The service answers 410 and takes nothing.
          let browsers = await browsersOf(app, bob);
          for (let i = 0; browsers.length > 0 && i < 50; i++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            browsers = await browsersOf(app, bob);
          }
          assert.deepEqual(browsers, []);
          caller.send("call:end", { to: bob.userId });
          assert.equal(service.received.length, pushes);
          caller.send("call:request", {
            to: bob.userId,
            hasVideo: true,
            hasAudio: true,
          });
          const error = await caller.find("error");
          assert.equal(error.payload.code, "peer-unavailable");
          const metrics = await (await fetch(`${app.http}/metrics`)).text();
          assert.match(
            metrics,
            /^nexus_pushes_total\{kind="ring",outcome="gone"\} 1$/m,
          );
          assert.match(
            metrics,
            /^nexus_pushes_total\{kind="ring",outcome="sent"\} 4$/m,
          );
          assert.match(metrics, /^nexus_push_subscriptions_removed_total 1$/m);
        },
      );

      await t.step(
        "endpoints that are not https or reach private addresses are refused; at most 2 browsers",
        async () => {
          const { keys } = subscriptionKeys();
          for (
            const endpoint of [
              "http://push.example.org/x",
              "https://10.1.2.3/push/x",
              "https://[::1]/push/x",
              "https://169.254.169.254/latest/meta-data",
              `https://localhost:${service.host.split(":")[1]}/push/x`,
              "https://user:pw@push.example.org/x",
              "not a url",
            ]
          ) {
            const refused = await post(app, "push/subscribe", {
              endpoint,
              keys,
            }, { cookie: erin.cookie });
            assert.equal(refused.status, 400, endpoint);
            assert.equal((await refused.json()).error, "push-endpoint");
          }
          const badKeys = await post(app, "push/subscribe", {
            endpoint: service.endpoint(),
            keys: { p256dh: "short", auth: keys.auth },
          }, { cookie: erin.cookie });
          assert.equal(badKeys.status, 400);
          await subscribe(app, bob, service);
          await subscribe(app, bob, service);
          const third = await post(app, "push/subscribe", {
            endpoint: service.endpoint(),
            keys,
          }, { cookie: bob.cookie });
          assert.equal(third.status, 409);
          assert.match((await third.json()).message, /2 browsers already ring/);
          const listed = await browsersOf(app, bob);
          assert.equal(listed.length, 2);
          assert.ok(listed.every((browser) => browser.current));
          const removed = await post(app, "push/remove", {
            id: listed[0].id,
          }, { cookie: bob.cookie });
          assert.equal((await removed.json()).browsers.length, 1);
        },
      );

      await t.step(
        "a stranger's call rings no closed browser: it hears offline, as for anyone offline",
        async () => {
          assert.equal((await browsersOf(app, bob)).length, 1);
          const stranger = await joinAs(app, erin);
          clients.push(stranger);
          const before = service.received.length;
          stranger.send("call:request", {
            to: bob.userId,
            hasVideo: true,
            hasAudio: true,
          });
          const error = await stranger.find("error");
          assert.equal(error.payload.code, "peer-unavailable");
          await new Promise((resolve) => setTimeout(resolve, 300));
          assert.equal(service.received.length, before);
        },
      );

      await t.step("signing the browser out stops it ringing", async () => {
        const signedOut = await post(app, "sign-out", {}, {
          cookie: bob.cookie,
        });
        assert.equal(signedOut.status, 200);
        let left = await store.push.list(bob.userId);
        for (let i = 0; left.length > 0 && i < 50; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          left = await store.push.list(bob.userId);
        }
        assert.deepEqual(left, []);
      });
    } finally {
      for (const client of clients) await client.close();
      await close();
      await service.close();
    }
  },
});

Deno.test({
  name:
    "push: two instances over Redis sign with one VAPID key; a ring placed on one is declined through the other",
  ignore: needsService(REDIS),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const service = await startPushService();
    const redis = await startRedis();
    const env = {
      NEXUS_ACCOUNTS: "on",
      NEXUS_REDIS_URL: redis.url,
      NEXUS_PUSH_ALLOWED_HOSTS: service.host,
      DENO_CERT: service.tls.certFile,
    };
    // Started together: both make a key pair, and the first one kept is both's.
    const [one, two] = await Promise.all([
      startAppProcess(env),
      startAppProcess(env),
    ]);
    const store = await RedisAccountStore.open(redis.url);
    const clients: TestClient[] = [];
    try {
      await untilReady([one, two]);
      const [alice, bob] = await Promise.all(
        ["alice", "bob"].map((name) => person(store, name)),
      );
      await befriend(one, alice, bob);
      const keys = await Promise.all(
        [one, two].map(async (app) =>
          (await (await fetch(`${app.http}/auth/push/key`, {
            headers: { cookie: bob.cookie },
          })).json()).publicKey
        ),
      );
      assert.equal(keys[0], keys[1]);
      const bobs = await subscribe(one, bob, service);
      const caller = await joinAs(two, alice);
      clients.push(caller);
      caller.send("call:request", {
        to: bob.userId,
        hasVideo: true,
        hasAudio: true,
      });
      const ring = await service.nth(1);
      assert.equal(ring.key, keys[0]);
      const { call } = await decryptPush(ring, bobs.keys) as { call: string };
      const declined = await post(one, "push/decline", { call }, {
        cookie: bob.cookie,
      });
      assert.deepEqual(await declined.json(), { declined: true });
      const response = await caller.find("call:response");
      assert.equal(response.payload.reason, "declined");
      const stop = await decryptPush(await service.nth(2), bobs.keys);
      assert.deepEqual(stop, {
        kind: "stop",
        call,
        from: alice.userId,
        missed: false,
      });
    } finally {
      for (const client of clients) await client.close();
      store.close();
      await Promise.all([one.stop(), two.stop()]);
      await redis.stop();
      await service.close();
    }
  },
});
