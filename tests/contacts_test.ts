/**
 * Who may call me, contacts, blocking and the call history, over raw
 * sockets and real HTTP against the app in its own process: a stranger's
 * call to a contacts-only user rings nobody and is answered as if the user
 * were offline; presence goes only to those who may call; a block holds on
 * every instance (two over Redis); each outcome is in both parties'
 * histories exactly once, cleared and exported by its owner, and a history
 * written as a call ends survives `kill -9`.
 */
import assert from "node:assert/strict";
import { KvAccountStore } from "../lib/accounts/kv_store.ts";
import { RedisAccountStore } from "../lib/accounts/redis_store.ts";
import type { HistoryView } from "../lib/wire/people_api.ts";
import {
  act,
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
import {
  needsPermissions,
  needsService,
  REDIS,
} from "./support/environment.ts";
import { startRedis } from "./support/redis.ts";
import { believedOnline, TestClient, untilShown } from "./support/ws_client.ts";

/** Every presence message among `messages` about `userId`. */
function presenceAbout(
  messages: TestClient["presence"],
  userId: string,
): unknown[] {
  return messages.filter((message) =>
    message.type === "presence:list"
      ? message.payload.users.includes(userId)
      : message.type === "presence:update" && message.payload.userId === userId
  );
}

/** `who`'s history as its page reads it. */
async function historyOf(app: AppProcess, who: Person): Promise<HistoryView> {
  const response = await fetch(`${app.http}/auth/history`, {
    headers: { cookie: who.cookie },
  });
  assert.equal(response.status, 200);
  return await response.json();
}

/** `caller` rings `callee`; resolves once the callee's socket rings. */
async function ring(caller: TestClient, callee: TestClient): Promise<void> {
  caller.send("call:request", {
    to: callee.userId,
    hasVideo: true,
    hasAudio: true,
  });
  await callee.find("call:request", (m) => m.payload.from === caller.userId);
}

/** `callee` answers `caller`'s ringing call. */
async function answer(caller: TestClient, callee: TestClient): Promise<void> {
  callee.send("call:response", { to: caller.userId, accepted: true });
  await caller.find("call:response", (m) => m.payload.accepted);
}

/** `from` ends its call with `to` (for a `reason`), and `to` hears it. */
async function end(
  from: TestClient,
  to: TestClient,
  reason?: string,
): Promise<void> {
  from.send("call:end", { to: to.userId, ...(reason && { reason }) });
  await to.find("call:end", (m) => m.payload.from === from.userId);
}

/** The refusal `caller` hears when it calls `to`. */
async function refusalTo(caller: TestClient, to: string): Promise<unknown> {
  caller.send("call:request", { to, hasVideo: true, hasAudio: true });
  const error = await caller.find("error");
  return error.payload;
}

Deno.test({
  name:
    "contacts: strangers ring nobody and see nobody; each outcome in both histories once; clear, export, kill -9 (Deno KV)",
  ignore: needsPermissions(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir();
    const env = {
      NEXUS_ACCOUNTS: "on",
      NEXUS_ACCOUNTS_KV: `${dir}/a.db`,
      NEXUS_RING_TIMEOUT_MS: "1500",
    };
    let app = await startAppProcess(env);
    await untilReady([app]);
    const store = await KvAccountStore.open(`${dir}/a.db`);
    const clients: TestClient[] = [];
    const open = async (who: Person) => {
      const client = await joinAs(app, who);
      clients.push(client);
      return client;
    };
    try {
      const [alice, bob, carol, dave, erin, mallory] = await Promise.all(
        ["alice", "bob", "carol", "dave", "erin", "mallory"].map((name) =>
          person(store, name)
        ),
      );
      for (const friend of [alice, carol, dave, erin]) {
        await befriend(app, bob, friend);
      }
      // mallory adds bob: a request bob never accepts.
      await act(app, mallory, "contacts/add", { userId: bob.userId });
      const bobPhone = await open(bob);
      const bobLaptop = await open(bob);
      const aliceSocket = await open(alice);
      const carolSocket = await open(carol);
      const daveSocket = await open(dave);
      const erinSocket = await open(erin);
      const mallorySocket = await open(mallory);

      await t.step(
        "a stranger's call to a contacts-only user rings none of its devices and is answered as offline",
        async () => {
          const offline = await refusalTo(mallorySocket, "nobody-here");
          const refused = await refusalTo(mallorySocket, bob.userId);
          assert.deepEqual(refused, {
            ...(offline as object),
            message: `${bob.userId} is not online.`,
          });
          assert.equal(
            JSON.stringify(offline).replace("nobody-here", bob.userId),
            JSON.stringify(refused),
          );
          // alice may call: hers is the first ring bob's devices hear.
          await ring(aliceSocket, bobPhone);
          const laptopRing = await bobLaptop.find("call:request");
          assert.equal(laptopRing.payload.from, alice.userId);
          assert.ok(
            !bobPhone.inbox.some((m) =>
              m.type === "call:request" && m.payload.from === mallory.userId
            ),
          );
          await end(aliceSocket, bobPhone);
          await bobLaptop.find("call:end");
        },
      );

      await t.step(
        "presence goes only to those who may call: contacts see each other, a stranger sees nobody and is seen by nobody",
        async () => {
          await untilShown(aliceSocket, bob.userId, true);
          await untilShown(bobPhone, carol.userId, true);
          assert.deepEqual([...believedOnline(mallorySocket)], []);
          for (const client of [aliceSocket, bobPhone, carolSocket]) {
            assert.deepEqual(
              presenceAbout(client.presence, mallory.userId),
              [],
            );
          }
          // alice is not carol's contact: neither sees the other.
          assert.equal(believedOnline(aliceSocket).has(carol.userId), false);
          assert.equal(believedOnline(carolSocket).has(alice.userId), false);
          // bob lets anyone call him: mallory, who added him, sees him now.
          await act(app, bob, "who-may-call", { whoMayCall: "anyone" });
          await untilShown(mallorySocket, bob.userId, true);
          await ring(mallorySocket, bobPhone);
          await end(mallorySocket, bobPhone);
          await act(app, bob, "who-may-call", { whoMayCall: "contacts" });
          await untilShown(mallorySocket, bob.userId, false);
        },
      );

      await t.step(
        "every outcome is in both histories, once, in the caller's and the callee's words",
        async () => {
          // Callers ring at most 3 times in a burst: the outcomes come from four of them.
          const beforeBob = (await historyOf(app, bob)).entries.length;
          // answered
          await ring(aliceSocket, bobPhone);
          await answer(aliceSocket, bobPhone);
          await end(aliceSocket, bobPhone);
          // declined
          await ring(aliceSocket, bobPhone);
          bobPhone.send("call:response", {
            to: alice.userId,
            accepted: false,
            reason: "declined",
          });
          await aliceSocket.find("call:response", (m) => !m.payload.accepted);
          // cancelled by the caller: missed for the callee, who hears the count
          await ring(daveSocket, bobPhone);
          daveSocket.send("call:end", { to: bob.userId });
          await bobPhone.find(
            "call:end",
            (m) => m.payload.from === dave.userId,
          );
          // Two calls bob missed before (cancelled in steps one and two), and this one.
          await bobLaptop.find("calls:missed", (m) => m.payload.count === 3);
          // no answer within the ring timeout: missed on both sides
          await ring(daveSocket, bobPhone);
          await daveSocket.find(
            "call:end",
            (m) => m.payload.reason === "no-answer",
          );
          // busy: bob is in a call with carol
          await ring(carolSocket, bobPhone);
          await answer(carolSocket, bobPhone);
          erinSocket.send("call:request", {
            to: bob.userId,
            hasVideo: true,
            hasAudio: true,
          });
          await erinSocket.find(
            "call:response",
            (m) => m.payload.reason === "busy",
          );
          // failed: the connection could not be kept
          await end(carolSocket, bobPhone, "ice-failed");

          const [b, c] = [bob.userId, carol.userId];
          const lines = async (who: Person, count: number) =>
            (await historyOf(app, who)).entries.slice(0, count).map((entry) =>
              `${entry.direction}:${entry.peer}:${entry.outcome}`
            ).reverse();
          assert.deepEqual(await lines(alice, 3), [
            // step one's call, cancelled while it rang, then this step's two
            `outgoing:${b}:cancelled`,
            `outgoing:${b}:answered`,
            `outgoing:${b}:declined`,
          ]);
          assert.deepEqual(await lines(dave, 9), [
            `outgoing:${b}:cancelled`,
            `outgoing:${b}:missed`,
          ]);
          assert.deepEqual(await lines(carol, 9), [`outgoing:${b}:failed`]);
          assert.deepEqual(await lines(erin, 9), [`outgoing:${b}:busy`]);
          const bobView = await historyOf(app, bob);
          // By start time: carol's call began before erin's busy attempt.
          assert.deepEqual(await lines(bob, 6), [
            `incoming:${alice.userId}:answered`,
            `incoming:${alice.userId}:declined`,
            `incoming:${dave.userId}:missed`,
            `incoming:${dave.userId}:missed`,
            `incoming:${c}:failed`,
            `incoming:${erin.userId}:busy`,
          ]);
          assert.equal(bobView.entries.length, beforeBob + 6);
          const ids = bobView.entries.map((entry) => entry.callId);
          assert.equal(new Set(ids).size, ids.length, "one entry per call");
          assert.equal(bobView.missed, 4, "missed calls not looked at yet");
          const answered = bobView.entries.find((entry) =>
            entry.outcome === "answered"
          )!;
          assert.ok(answered.durationS >= 0);
        },
      );

      await t.step(
        "a device that signs in later hears the missed calls; looking at them empties the badge on every device; export and clear",
        async () => {
          const later = await open(bob);
          assert.equal((await later.find("calls:missed")).payload.count, 4);
          await act(app, bob, "history/seen", {});
          await later.find("calls:missed", (m) => m.payload.count === 0);
          await bobLaptop.find("calls:missed", (m) => m.payload.count === 0);
          assert.equal((await historyOf(app, bob)).missed, 0);
          const exported = await fetch(`${app.http}/auth/history/export`, {
            headers: { cookie: bob.cookie },
          });
          assert.match(
            exported.headers.get("content-disposition") ?? "",
            /attachment; filename="nexus-call-history-/,
          );
          const json = await exported.json();
          assert.equal(json.userId, bob.userId);
          assert.ok(json.entries.length >= 6);
          const cleared = await post(app, "history/clear", {}, {
            cookie: bob.cookie,
          });
          assert.equal((await cleared.json()).cleared, json.entries.length);
          assert.deepEqual((await historyOf(app, bob)).entries, []);
          assert.equal((await historyOf(app, alice)).entries.length, 3);
          // Another account's history is not reachable without its cookie.
          const anonymous = await fetch(`${app.http}/auth/history`);
          assert.equal(anonymous.status, 401);
          await anonymous.body?.cancel();
        },
      );

      await t.step(
        "bad requests are refused in words; a foreign page may change nothing",
        async () => {
          const cases: [string, unknown, number, string][] = [
            [
              "contacts/add",
              { userId: "no such user!" },
              400,
              "invalid-request",
            ],
            ["contacts/add", { userId: alice.userId }, 400, "self"],
            ["contacts/add", { userId: "nobody-here" }, 404, "no-such-account"],
            [
              "who-may-call",
              { whoMayCall: "everyone" },
              400,
              "invalid-request",
            ],
            ["blocks/add", {}, 400, "invalid-request"],
          ];
          for (const [action, body, status, code] of cases) {
            const response = await post(app, action, body, {
              cookie: alice.cookie,
            });
            const answer = await response.json();
            assert.equal(response.status, status, JSON.stringify(answer));
            assert.equal(answer.error, code);
            assert.equal(typeof answer.message, "string");
          }
          const foreign = await post(app, "blocks/add", {
            userId: bob.userId,
          }, { cookie: alice.cookie, origin: "https://evil.example" });
          assert.equal(foreign.status, 403);
          await foreign.body?.cancel();
        },
      );

      await t.step(
        "kill -9 right after a call ends: its entries are in both histories",
        async () => {
          await ring(carolSocket, bobPhone);
          await answer(carolSocket, bobPhone);
          carolSocket.send("call:end", { to: bob.userId });
          const ended = await bobPhone.find(
            "call:end",
            (m) => m.payload.from === carol.userId,
          );
          assert.equal(ended.payload.reason, "hangup");
          await app.kill();
          await Promise.all(clients.map((client) => client.closed));
          app = await startAppProcess(env);
          await untilReady([app]);
          const [carolView, bobView] = await Promise.all([
            historyOf(app, carol),
            historyOf(app, bob),
          ]);
          assert.equal(carolView.entries[0].outcome, "answered");
          assert.equal(bobView.entries[0].outcome, "answered");
          assert.equal(carolView.entries[0].callId, bobView.entries[0].callId);
        },
      );
    } finally {
      for (const client of clients) client.socket.close();
      store.close();
      await app.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "contacts: a block holds on every instance (two over Redis): no ring, no presence; unblocking restores both; an end seen by both instances is written once",
  ignore: needsService(REDIS),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const redis = await startRedis();
    const env = { NEXUS_ACCOUNTS: "on", NEXUS_REDIS_URL: redis.url };
    const one = await startAppProcess(env);
    const two = await startAppProcess(env);
    const store = await RedisAccountStore.open(redis.url);
    const clients: TestClient[] = [];
    try {
      await untilReady([one, two]);
      const [alice, bob, carol] = await Promise.all(
        ["alice", "bob", "carol"].map((name) => person(store, name)),
      );
      await befriend(one, alice, bob);
      await befriend(two, bob, carol);
      await befriend(one, alice, carol);
      const aliceSocket = await joinAs(one, alice);
      const bobSocket = await joinAs(two, bob);
      const carolSocket = await joinAs(one, carol);
      clients.push(aliceSocket, bobSocket, carolSocket);
      await untilShown(aliceSocket, bob.userId, true);

      await t.step(
        "bob, on instance two, blocks alice through instance one: alice stops seeing him, and her call rings none of his devices",
        async () => {
          // The block goes through instance one; bob's socket is on two.
          await act(one, bob, "blocks/add", { userId: alice.userId });
          await untilShown(aliceSocket, bob.userId, false);
          const refused = await refusalTo(aliceSocket, bob.userId);
          assert.deepEqual(refused, {
            code: "peer-unavailable",
            message: `${bob.userId} is not online.`,
            inReplyTo: "call:request",
          });
          // carol's ring crosses the same way after alice's attempt: it is the first bob hears.
          await ring(carolSocket, bobSocket);
          assert.ok(
            !bobSocket.inbox.some((m) =>
              m.type === "call:request" && m.payload.from === alice.userId
            ),
          );
          await end(carolSocket, bobSocket);
        },
      );

      await t.step(
        "blocked, alice hears nothing of bob's presence when he comes and goes; she still hears carol's",
        async () => {
          const heard = aliceSocket.presence.length;
          await bobSocket.close();
          const bobAgain = await joinAs(two, bob);
          clients.push(bobAgain);
          // carol's coming and going is published after bob's, on the same path.
          const carolTwo = await joinAs(two, carol);
          await carolTwo.close();
          await aliceSocket.seesPresence(carol.userId, true);
          assert.deepEqual(
            presenceAbout(aliceSocket.presence.slice(heard), bob.userId),
            [],
          );
          await act(two, bob, "blocks/remove", { userId: alice.userId });
          await untilShown(aliceSocket, bob.userId, true);
          await ring(aliceSocket, bobAgain);
          await answer(aliceSocket, bobAgain);

          // Both hang up at once, each on its own instance.
          aliceSocket.send("call:end", { to: bob.userId });
          bobAgain.send("call:end", { to: alice.userId });
          // Each instance handles its own party's hang-up; the one that ends
          // the call writes the history, then tells the other party.
          const told = (client: TestClient) =>
            client.inbox.some((m) => m.type === "call:end");
          const deadline = Date.now() + 5_000;
          while (!told(aliceSocket) && !told(bobAgain)) {
            assert.ok(Date.now() < deadline, "nobody heard the end");
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          const [aliceView, bobView] = await Promise.all([
            historyOf(one, alice),
            historyOf(two, bob),
          ]);
          const callId = aliceView.entries[0].callId;
          assert.equal(bobView.entries[0].callId, callId);
          for (const view of [aliceView, bobView]) {
            assert.equal(
              view.entries.filter((entry) => entry.callId === callId).length,
              1,
            );
            assert.equal(view.entries[0].outcome, "answered");
          }
        },
      );
    } finally {
      for (const client of clients) client.socket.close();
      store.close();
      await one.stop();
      await two.stop();
      await redis.stop();
    }
  },
});
