/**
 * Many instances over one real Redis: three app processes on their own
 * ports, users spread across them. Calls, busy, glare and many devices hold
 * across instances; an instance killed with SIGKILL and a Redis restart are
 * survived.
 */
import assert from "node:assert/strict";
import { needsService, REDIS } from "./support/environment.ts";
import {
  type AppProcess,
  startAppProcess,
  untilReady,
} from "./support/app_process.ts";
import { type RedisServer, startRedis } from "./support/redis.ts";
import { TestClient } from "./support/ws_client.ts";
import { CLOSE_CODES } from "../lib/wire/protocol.ts";
import { freePort } from "./support/process.ts";
import { CANDIDATE as candidate, OFFER as offer } from "./support/messages.ts";

/** Short enough that a dead instance's users expire within a test's patience. */
const DEVICE_TTL_MS = 1_500;
const GRACE_MS = 500;

/** Three instances sharing `redis`. */
async function startCluster(redis: RedisServer): Promise<AppProcess[]> {
  const env = {
    NEXUS_REDIS_URL: redis.url,
    NEXUS_DEVICE_TTL_MS: String(DEVICE_TTL_MS),
    NEXUS_RESUME_GRACE_MS: String(GRACE_MS),
    NEXUS_RING_TIMEOUT_MS: "2000",
  };
  const instances = await Promise.all(
    [1, 2, 3].map(() => startAppProcess(env)),
  );
  await untilReady(instances);
  return instances;
}

const ws = (instance: AppProcess) =>
  instance.http.replace(/^http/, "ws") + "/ws";

const join = (instance: AppProcess, user: string, device = user) =>
  TestClient.join(ws(instance), user, `userId=${user}&deviceId=${device}`);

/** Keeps each client joined through it in `clients`, to close them all at the end. */
function tracking(clients: TestClient[]) {
  return async (client: Promise<TestClient>): Promise<TestClient> => {
    clients.push(await client);
    return clients.at(-1)!;
  };
}

/** The active calls an instance's `/metrics` counts. */
async function activeCalls(instance: AppProcess): Promise<number> {
  const text = await (await fetch(`${instance.http}/metrics`)).text();
  return Number(text.match(/^nexus_calls\{phase="active"\} (\d+)$/m)?.[1]);
}

/** Places a call and has it answered, across whatever instances the two are on. */
async function connectCall(caller: TestClient, callee: TestClient) {
  caller.send("call:request", {
    to: callee.userId,
    hasVideo: true,
    hasAudio: true,
  });
  await callee.find("call:request", (m) => m.payload.from === caller.userId);
  callee.send("call:response", { to: caller.userId, accepted: true });
  const answer = await caller.find("call:response");
  assert.equal(answer.payload.accepted, true);
}

Deno.test({
  name: "server: many instances over Redis",
  ignore: needsService(REDIS),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const redis = await startRedis();
    let cluster: AppProcess[] = [];
    const clients: TestClient[] = [];
    const track = tracking(clients);
    try {
      cluster = await startCluster(redis);
      const [one, two, three] = cluster;

      await t.step(
        "users on different instances see each other and complete a call's whole signaling",
        async () => {
          const alice = await track(join(one, "alice"));
          const bob = await track(join(two, "bob"));
          await alice.seesPresence("bob", true);
          assert.ok(
            bob.presence.some((m) =>
              m.type === "presence:list" && m.payload.users.includes("alice")
            ),
            "bob's list, from another instance, has alice",
          );
          await connectCall(alice, bob);
          alice.send("webrtc:offer", { to: "bob", offer });
          assert.deepEqual((await bob.find("webrtc:offer")).payload, {
            to: "bob",
            offer,
            from: "alice",
          });
          bob.send("webrtc:answer", {
            to: "alice",
            answer: { type: "answer", sdp: "v=0\r\n" },
          });
          await alice.find("webrtc:answer");
          bob.send("webrtc:candidate", { to: "alice", candidate });
          assert.deepEqual(
            (await alice.find("webrtc:candidate")).payload.candidate,
            candidate,
          );
          alice.send("call:end", { to: "bob" });
          assert.equal((await bob.find("call:end")).payload.reason, "hangup");
          // Once ended, signaling between them is refused again, on either instance.
          bob.send("webrtc:candidate", { to: "alice", candidate });
          assert.equal((await bob.find("error")).payload.code, "not-in-call");
        },
      );

      await t.step(
        "busy holds across instances, and the call beside goes on",
        async () => {
          const carol = await track(join(one, "carol"));
          const dave = await track(join(two, "dave"));
          const erin = await track(join(three, "erin"));
          await connectCall(carol, dave);
          for (const callee of ["carol", "dave"]) {
            erin.send("call:request", {
              to: callee,
              hasVideo: false,
              hasAudio: true,
            });
            const busy = await erin.find("call:response");
            assert.deepEqual(busy.payload, {
              from: callee,
              to: "erin",
              accepted: false,
              reason: "busy",
            });
          }
          carol.send("webrtc:candidate", { to: "dave", candidate });
          await dave.find("webrtc:candidate");
          dave.send("call:end", { to: "carol" });
          await carol.find("call:end");
        },
      );

      await t.step(
        "glare across instances, 10 times: one call results, the lower id's",
        async () => {
          // A new pair each round: one pair would soon meet the limit on call requests.
          for (let round = 0; round < 10; round++) {
            const frank = await track(join(one, `frank-${round}`));
            const gina = await track(join(three, `gina-${round}`));
            frank.send("call:request", {
              to: gina.userId,
              hasVideo: true,
              hasAudio: true,
            });
            gina.send("call:request", {
              to: frank.userId,
              hasVideo: true,
              hasAudio: true,
            });
            // gina's own call loses, whichever request arrived first.
            const lost = await gina.find("call:response");
            assert.deepEqual(lost.payload.reason, "glare", `round ${round}`);
            await gina.find(
              "call:request",
              (m) => m.payload.from === frank.userId,
            );
            gina.send("call:response", { to: frank.userId, accepted: true });
            const answer = await frank.find(
              "call:response",
              (m) => m.payload.accepted,
            );
            assert.equal(answer.payload.from, gina.userId);
            frank.send("call:end", { to: gina.userId });
            await gina.find("call:end", (m) => m.payload.reason === "hangup");
            assert.equal(
              frank.inbox.filter((m) => m.type === "call:response").length,
              0,
              "frank's call was never refused",
            );
          }
        },
      );
      await t.step(
        "many devices on many instances: all ring, the first answer wins",
        async () => {
          const hank = await track(join(one, "hank"));
          const phone = await track(join(two, "ivy", "phone"));
          const laptop = await track(join(three, "ivy", "laptop"));
          hank.send("call:request", {
            to: "ivy",
            hasVideo: true,
            hasAudio: true,
          });
          await phone.find("call:request");
          await laptop.find("call:request");
          laptop.send("call:response", { to: "hank", accepted: true });
          await hank.find("call:response", (m) => m.payload.accepted);
          const stopped = await phone.find("call:end");
          assert.equal(stopped.payload.reason, "answered-elsewhere");
          phone.send("call:response", { to: "hank", accepted: true });
          assert.equal((await phone.find("error")).payload.code, "not-in-call");
          assert.deepEqual(
            await Promise.all(cluster.map((i) => activeCalls(i))),
            [1, 0, 0],
            "the call counts once, on the instance that placed it",
          );
          hank.send("call:end", { to: "ivy" });
          await laptop.find("call:end");
          assert.deepEqual(
            await Promise.all(cluster.map((i) => activeCalls(i))),
            [0, 0, 0],
            "and on none once it ended",
          );
        },
      );

      await t.step(
        "an unanswered call across instances ends with no-answer on both sides",
        async () => {
          const jack = await track(join(two, "jack"));
          const kate = await track(join(three, "kate"));
          jack.send("call:request", {
            to: "kate",
            hasVideo: true,
            hasAudio: true,
          });
          await kate.find("call:request");
          for (const client of [jack, kate]) {
            const ended = await client.find("call:end");
            assert.equal(ended.payload.reason, "no-answer");
          }
        },
      );

      await t.step(
        "a page that reconnects to another instance replaces its old connection there, with no offline blip",
        async () => {
          const vic = await track(join(three, "vic"));
          const uma = await track(join(two, "uma", "tab"));
          await vic.seesPresence("uma", true);
          const moved = await track(join(three, "uma", "tab"));
          const closed = await uma.closed;
          assert.equal(closed.code, CLOSE_CODES.replaced);
          vic.send("call:request", {
            to: "uma",
            hasVideo: true,
            hasAudio: true,
          });
          await moved.find("call:request");
          moved.send("call:end", { to: "vic" });
          await vic.find("call:end");
          assert.ok(
            !vic.presence.some((m) =>
              m.type === "presence:update" && m.payload.userId === "uma" &&
              !m.payload.online
            ),
            "uma never looked offline",
          );
        },
      );

      await t.step(
        "kill -9 an instance: its users come back on another and are callable; a peer left alone hears peer-gone",
        async () => {
          const liam = await track(join(one, "liam"));
          const mia = await track(join(one, "mia"));
          const noah = await track(join(two, "noah"));
          const olive = await track(join(three, "olive"));
          const paul = await track(join(two, "paul"));
          await connectCall(mia, noah);
          await connectCall(olive, liam);

          await one.kill();
          // mia's page reconnects to another instance at once and resumes her call.
          const miaBack = await track(join(three, "mia"));
          miaBack.send("call:resume", { to: "noah" });
          // liam does not come back: olive's call ends once his device expires and the grace period passes.
          const liamBack = await track(join(two, "liam-other-tab"));
          noah.send("webrtc:candidate", { to: "mia", candidate });
          await miaBack.find("webrtc:candidate");
          miaBack.send("webrtc:candidate", { to: "noah", candidate });
          await noah.find("webrtc:candidate");

          paul.send("call:request", {
            to: "liam-other-tab",
            hasVideo: false,
            hasAudio: true,
          });
          await liamBack.find("call:request", (m) => m.payload.from === "paul");
          liamBack.send("call:end", { to: "paul" });

          const gone = await olive.find("call:end");
          assert.equal(gone.payload.reason, "peer-gone");
          await olive.seesPresence("liam", false);
          miaBack.send("call:end", { to: "noah" });
          await noah.find("call:end");
          cluster = [two, three];
        },
      );

      await t.step(
        "Redis restarts, empty: instances reconnect, rebuild what they hold, and the next call works",
        async () => {
          const quinn = await track(join(two, "quinn"));
          const rose = await track(join(three, "rose"));
          const sam = await track(join(two, "sam"));
          const tess = await track(join(three, "tess"));
          await connectCall(sam, tess);

          await redis.restart();
          await untilReady([two, three]);
          // The instances record again who is connected to them (within one renewal).
          await new Promise((resolve) => setTimeout(resolve, DEVICE_TTL_MS));

          await connectCall(quinn, rose);
          rose.send("webrtc:offer", { to: "quinn", offer });
          await quinn.find("webrtc:offer");
          quinn.send("call:end", { to: "rose" });
          await rose.find("call:end");
          // The call in progress through the restart was restored with it.
          sam.send("webrtc:candidate", { to: "tess", candidate });
          await tess.find("webrtc:candidate");
          tess.send("call:end", { to: "sam" });
          assert.equal((await sam.find("call:end")).payload.reason, "hangup");
        },
      );

      await t.step(
        "a hang-up while Redis is down wins: the other party hears it once Redis is back, and nothing restores the call",
        async () => {
          const [two, three] = cluster;
          const wade = await track(join(two, "wade"));
          const xena = await track(join(three, "xena"));
          const yuri = await track(join(three, "yuri"));
          await connectCall(wade, xena);

          await redis.stop();
          await untilUnready(two);
          wade.send("call:end", { to: "xena" });
          wade.send("ping", {});
          await wade.find("pong");
          assert.deepEqual(
            wade.inbox.filter((m) => m.type === "error"),
            [],
            "the hang-up is taken, not refused",
          );

          await redis.restart();
          await untilReady([two, three]);
          assert.equal((await xena.find("call:end")).payload.reason, "hangup");
          // The instances record again who is connected to them (within one renewal).
          await new Promise((resolve) => setTimeout(resolve, DEVICE_TTL_MS));
          // Whatever the instances restored, wade and xena are free.
          yuri.send("call:request", {
            to: "wade",
            hasVideo: true,
            hasAudio: true,
          });
          await wade.find("call:request", (m) => m.payload.from === "yuri");
          yuri.send("call:end", { to: "wade" });
          await wade.find("call:end");
          await connectCall(yuri, xena);
          yuri.send("call:end", { to: "xena" });
          await xena.find("call:end");
        },
      );
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all(cluster.map((instance) => instance.stop()));
      await redis.stop();
    }
  },
});

/** Waits until an instance says it is not ready (its engine is unreachable). */
async function untilUnready(instance: AppProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${instance.http}/readyz`);
    await response.body?.cancel();
    if (response.status === 503) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${instance.http} stayed ready with Redis down`);
}

Deno.test({
  name:
    "server: an instance started while Redis is down: up, not ready, refusing /ws with the reason, until Redis comes",
  ignore: needsService(REDIS),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    const instance = await startAppProcess({
      NEXUS_REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    let redis: RedisServer | undefined;
    try {
      const health = await fetch(`${instance.http}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
      const ready = await fetch(`${instance.http}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(
        await ready.text(),
        new RegExp(`Redis at 127\\.0\\.0\\.1:${port} is unreachable`),
      );
      const refused = await fetch(`${instance.http}/ws?userId=alice`, {
        headers: { upgrade: "websocket", connection: "Upgrade" },
      });
      assert.equal(refused.status, 503);
      assert.match(await refused.text(), /Signaling is unavailable for now/);

      redis = await startRedis(port);
      await untilReady([instance]);
      const alice = await join(instance, "alice");
      const bob = await join(instance, "bob");
      await connectCall(alice, bob);
      await alice.close();
      await bob.close();
      assert.match(instance.output(), /"event":"engine.ready"/);
    } finally {
      await instance.stop();
      await redis?.stop();
    }
  },
});

Deno.test({
  name:
    "server: a page that comes back on another instance resumes its delivery session there: what was sent to it meanwhile, and after, arrives once and in order",
  ignore: needsService(REDIS),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await startRedis();
    let instances: AppProcess[] = [];
    const clients: TestClient[] = [];
    const track = tracking(clients);
    try {
      instances = await Promise.all([1, 2].map(() =>
        startAppProcess({
          NEXUS_REDIS_URL: redis.url,
          NEXUS_RESUME_GRACE_MS: "10000",
        })
      ));
      await untilReady(instances);
      const [one, two] = instances;
      const page = (extra = "") =>
        `userId=alice&deviceId=alice-tab&delivery=1${extra}`;
      /** The highest number of the server's messages a page took, to acknowledge it. */
      let taken = 0;
      const acknowledge = (client: TestClient) =>
        client.sendRaw(`{"ack":${taken},"type":"ack","payload":{}}`);
      const tagged = (i: number) => ({
        ...candidate,
        candidate: `candidate:${i} 1 udp 2122260223 127.0.0.1 544${i} typ host`,
      });

      const first = await track(TestClient.join(ws(one), "alice", page()));
      first.socket.addEventListener("message", (event) => {
        taken = Math.max(taken, JSON.parse(event.data).seq ?? 0);
      });
      const session = first.ready!.payload.delivery!.session;
      const bob = await track(join(two, "bob"));
      await connectCall(bob, first);
      assert.equal(taken, 1, "the ring was numbered");
      acknowledge(first);
      // Its socket closes; the session waits on instance one.
      await first.close();
      for (let i = 1; i <= 5; i++) {
        bob.send("webrtc:candidate", { to: "alice", candidate: tagged(i) });
      }
      await new Promise((resolve) => setTimeout(resolve, 500));

      // The page comes back on instance two, naming its session.
      const had = taken;
      const back = await track(
        TestClient.join(
          ws(two),
          "alice",
          page(`&resume=${session}&received=${taken}`),
        ),
      );
      back.socket.addEventListener("message", (event) => {
        taken = Math.max(taken, JSON.parse(event.data).seq ?? 0);
      });
      const resumed = back.ready!.payload.delivery!;
      assert.equal(resumed.resumed, true);
      assert.equal(resumed.received, 0);
      assert.notEqual(resumed.session, session, "under instance two's id");
      // Sent while it was away, then after it came back (the call still says
      // instance one: that instance passes them on).
      for (let i = 6; i <= 7; i++) {
        bob.send("webrtc:candidate", { to: "alice", candidate: tagged(i) });
      }
      const heard = [];
      for (let i = 1; i <= 7; i++) {
        const message = await back.find("webrtc:candidate");
        heard.push({
          seq: (message as { seq?: number }).seq,
          candidate: message.payload.candidate.candidate,
        });
      }
      assert.deepEqual(
        heard,
        Array.from({ length: 7 }, (_, i) => ({
          seq: had + i + 1,
          candidate: tagged(i + 1).candidate,
        })),
      );
      // The call moves with the page; what follows comes straight, and ends it.
      back.send("call:resume", { to: "bob" });
      bob.send("webrtc:candidate", { to: "alice", candidate: tagged(8) });
      const eighth = await back.find("webrtc:candidate");
      assert.equal(eighth.payload.candidate.candidate, tagged(8).candidate);
      assert.equal((eighth as { seq?: number }).seq, had + 8);
      bob.send("call:end", { to: "alice" });
      await back.find("call:end");
      assert.equal(
        back.inbox.filter((m) => m.type === "webrtc:candidate").length,
        0,
        "nothing came twice",
      );

      // Its instance stops (a rolling restart): it closes the page's socket
      // with 1012 and stays reachable a while, so the session follows the
      // page to the other instance, with what was sent to it meanwhile.
      const dave = await track(join(one, "dave"));
      await connectCall(dave, back);
      acknowledge(back);
      const stopping = two.stop();
      await back.closed;
      for (let i = 9; i <= 10; i++) {
        dave.send("webrtc:candidate", { to: "alice", candidate: tagged(i) });
      }
      // A page comes back within 0.5 s of a restart's close.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const moved = await track(
        TestClient.join(
          ws(one),
          "alice",
          page(`&resume=${resumed.session}&received=${taken}`),
        ),
      );
      assert.equal(moved.ready!.payload.delivery!.resumed, true);
      for (let i = 9; i <= 10; i++) {
        const message = await moved.find("webrtc:candidate");
        assert.equal(message.payload.candidate.candidate, tagged(i).candidate);
      }
      await stopping;

      // A session named after an instance nobody runs: a new one, at once.
      const stranger = await track(
        TestClient.join(
          ws(one),
          "carol",
          "userId=carol&deviceId=carol-tab&delivery=1&resume=gone.abc&received=3",
        ),
      );
      assert.equal(stranger.ready!.payload.delivery!.resumed, false);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      for (const instance of instances) await instance.stop();
      await redis.stop();
    }
  },
});

Deno.test({
  name:
    "server: a party that hangs up from the instance its page came back to, before its call:resume, leaves no copy of the call on the instance it left",
  ignore: needsService(REDIS),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await startRedis();
    let instances: AppProcess[] = [];
    const clients: TestClient[] = [];
    try {
      instances = await Promise.all(
        [1, 2].map(() => startAppProcess({ NEXUS_REDIS_URL: redis.url })),
      );
      await untilReady(instances);
      const [one, two] = instances;
      const page = "userId=alice&deviceId=alice-tab&delivery=1";
      const first = await TestClient.join(ws(one), "alice", page);
      clients.push(first);
      const bob = await join(two, "bob");
      clients.push(bob);
      await connectCall(first, bob);
      assert.equal(await activeCalls(one), 1, "placed on instance one");
      await first.close();
      const back = await TestClient.join(
        ws(two),
        "alice",
        `${page}&resume=${first.ready!.payload.delivery!.session}&received=0`,
      );
      clients.push(back);
      assert.equal(back.ready!.payload.delivery!.resumed, true);
      back.send("call:end", { to: "bob" });
      await bob.find("call:end");
      const deadline = Date.now() + 3_000;
      while (await activeCalls(one) !== 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(await activeCalls(one), 0);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      for (const instance of instances) await instance.stop();
      await redis.stop();
    }
  },
});
