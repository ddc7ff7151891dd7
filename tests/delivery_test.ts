/**
 * The delivery layer against a network that loses things: the page's own
 * signaling session (`lib/page/call/server_connection.ts`) in 300 scripted
 * clients, through a proxy that stalls, blackholes, resets and delays
 * their connections at random moments, to the server in its own process.
 * Every message of every call arrives exactly once and in order, every
 * call ends with the right reason on both sides, and the server is left
 * with no call. Then the cases one by one, over raw sockets: a hang-up
 * written into a socket that died reaches the page on its next socket, and
 * a call that ended while a device was away is answered at once.
 */
import assert from "node:assert/strict";
import type { ClientMessage } from "../lib/wire/protocol.ts";
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
import {
  type FaultPlan,
  type FaultProxy,
  seeded,
  startFaultProxy,
} from "./support/fault_proxy.ts";
import { startRedis } from "./support/redis.ts";
import { PageClient as Client } from "./support/page_client.ts";

/** One call's whole exchange, `caller` to `callee`, ended by `ender`; `id` tags its messages. */
async function call(
  id: string,
  caller: Client,
  callee: Client,
  ender: Client,
): Promise<void> {
  const to = (client: Client) => client.userId;
  // A callee between sockets is not online for a moment: the caller, told
  // so, calls again, as a person would.
  for (let refusals = caller.refusals;; refusals = caller.refusals) {
    caller.send({
      type: "call:request",
      payload: {
        to: to(callee),
        hasVideo: true,
        hasAudio: true,
        tag: `${id}:request`,
      } as never,
    });
    const refused = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (caller.refusals === refusals) return;
        clearInterval(check);
        resolve();
      }, 100);
      callee.heardTag(`${id}:request`).catch(() => {}).finally(() =>
        clearInterval(check)
      );
    });
    const rang = await Promise.race([
      callee.heardTag(`${id}:request`).then(() => true),
      refused.then(() => false),
    ]);
    if (rang) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  callee.send({
    type: "call:response",
    payload: { to: to(caller), accepted: true, tag: `${id}:response` } as never,
  });
  await caller.heardTag(`${id}:response`);
  caller.send({
    type: "webrtc:offer",
    payload: {
      to: to(callee),
      offer: { type: "offer", sdp: `v=0 ${id}` },
      tag: `${id}:offer`,
    } as never,
  });
  const candidates = (from: Client, other: Client, side: string) => {
    for (let i = 1; i <= 3; i++) {
      from.send({
        type: "webrtc:candidate",
        payload: {
          to: to(other),
          candidate: {
            candidate: `candidate:${i}`,
            sdpMid: "0",
            sdpMLineIndex: 0,
          },
          tag: `${id}:${side}${i}`,
        } as never,
      });
    }
  };
  await callee.heardTag(`${id}:offer`);
  callee.send({
    type: "webrtc:answer",
    payload: {
      to: to(caller),
      answer: { type: "answer", sdp: "v=0" },
      tag: `${id}:answer`,
    } as never,
  });
  candidates(callee, caller, "callee");
  await caller.heardTag(`${id}:answer`);
  candidates(caller, callee, "caller");
  await Promise.all([
    caller.heardTag(`${id}:callee3`),
    callee.heardTag(`${id}:caller3`),
  ]);
  const other = ender === caller ? callee : caller;
  ender.send({
    type: "call:end",
    payload: { to: to(other), reason: "hangup", tag: `${id}:end` } as never,
  });
  const end = await other.heardTag(`${id}:end`);
  assert.equal(end.type, "call:end");
  assert.deepEqual(
    [end.payload.from, (end.payload as { reason?: string }).reason],
    [ender.userId, "hangup"],
    `${id} ends with the right reason`,
  );
}

/** What each side of the call `id` must hear, in order, exactly once. */
function expected(id: string, callerEnds: boolean) {
  const candidates = (side: string) =>
    [1, 2, 3].map((i) => `${id}:${side}${i}`);
  return {
    caller: [
      `${id}:response`,
      `${id}:answer`,
      ...candidates("callee"),
      ...(callerEnds ? [] : [`${id}:end`]),
    ],
    callee: [
      `${id}:request`,
      `${id}:offer`,
      ...candidates("caller"),
      ...(callerEnds ? [`${id}:end`] : []),
    ],
  };
}

/** How the proxy meets connections; the seed from `NEXUS_FAULT_SEED`, or the clock. */
function faultPlan(): FaultPlan {
  return {
    seed: Number(Deno.env.get("NEXUS_FAULT_SEED") ?? Date.now() % 100_000),
    chance: 0.6,
    withinMs: 5_000,
    longestMs: 4_000,
  };
}

Deno.test({
  name:
    "delivery: candidates the server refused at its rate limit go again once a ping shows the gap, and reach the peer all, once, in order, on the same sockets",
  ignore: needsPermissions(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await startAppProcess({
      NEXUS_MESSAGES_PER_SECOND: "5",
      NEXUS_MESSAGE_BURST: "5",
      NEXUS_PRESENCE: "off",
    });
    const alice = new Client("alice", app.port);
    const bob = new Client("bob", app.port);
    try {
      await Promise.all([alice.ready(), bob.ready()]);
      alice.send({
        type: "call:request",
        payload: { to: "bob", hasVideo: true, hasAudio: true, tag: "request" },
      } as ClientMessage);
      await bob.heardTag("request");
      bob.send({
        type: "call:response",
        payload: { to: "alice", accepted: true, tag: "response" },
      } as ClientMessage);
      await alice.heardTag("response");
      // A full bucket, then twelve at once: the last seven are refused.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const tags = Array.from({ length: 12 }, (_, i) => `candidate${i + 1}`);
      for (const tag of tags) {
        alice.send({
          type: "webrtc:candidate",
          payload: {
            to: "bob",
            candidate: { candidate: tag, sdpMid: "0", sdpMLineIndex: 0 },
            tag,
          },
        } as ClientMessage);
      }
      await bob.heardTag("candidate12", 20_000);
      assert.deepEqual(
        bob.tags().filter((t) => t.startsWith("candidate")),
        tags,
      );
      assert.ok(
        alice.heard.some((m) =>
          m.type === "error" && m.payload.code === "rate-limited"
        ),
        "the server refused some at its limit",
      );
      assert.equal(alice.dials, 1, "alice's socket was never replaced");
    } finally {
      alice.session.close();
      bob.session.close();
      await app.stop();
    }
  },
});

/**
 * 300 calls' whole exchanges, 150 pairs, through `proxy`: every message once
 * and in order, every call ended right, none left open on any of `apps`.
 */
async function threeHundredCalls(
  apps: AppProcess[],
  proxy: FaultProxy,
): Promise<void> {
  const pairs = Array.from({ length: 150 }, (_, i) => {
    const a = new Client(`a${i}`, proxy.port);
    const b = new Client(`b${i}`, proxy.port);
    return { i, a, b };
  });
  try {
    await Promise.all(pairs.flatMap(({ a, b }) => [a.ready(), b.ready()]));
    await Promise.all(pairs.map(async ({ i, a, b }) => {
      // a calls b and hangs up; then b calls a and a hangs up.
      await call(`c${i}x`, a, b, a);
      await call(`c${i}y`, b, a, a);
    }));
    for (const { i, a, b } of pairs) {
      const first = expected(`c${i}x`, true);
      const second = expected(`c${i}y`, false);
      assert.deepEqual(
        a.tags(),
        [...first.caller, ...second.callee],
        a.userId,
      );
      assert.deepEqual(
        b.tags(),
        [...first.callee, ...second.caller],
        b.userId,
      );
    }
    for (const app of apps) {
      const metrics = await (await fetch(`${app.http}/metrics`)).text();
      assert.match(metrics, /^nexus_calls\{phase="active"\} 0$/m);
      assert.match(metrics, /^nexus_calls\{phase="ringing"\} 0$/m);
    }
    const met = Object.values(proxy.faults).reduce((a, b) => a + b, 0);
    const redials = pairs.reduce((n, { a, b }) => n + a.dials + b.dials, 0) -
      2 * pairs.length;
    console.log(
      `${proxy.connections} connections, faults ${
        JSON.stringify(proxy.faults)
      }, ${redials} reconnects`,
    );
    assert.ok(met > 60, `faults were met: ${met}`);
    assert.ok(redials > 20, `clients reconnected: ${redials}`);
  } finally {
    for (const { a, b } of pairs) {
      a.session.close();
      b.session.close();
    }
  }
}

/** Settings under which no call ends for a device away while faults last. */
const PATIENT = {
  NEXUS_MAX_CONNECTIONS_PER_IP: "5000",
  // Longer than any fault here lasts: no call ends for a device away.
  NEXUS_RESUME_GRACE_MS: "120000",
  NEXUS_PRESENCE: "off",
};

Deno.test({
  name:
    "delivery: 300 calls through a proxy that stalls, blackholes, resets and delays connections: every message once, in order; every call ended right; none left open",
  ignore: needsPermissions(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await startAppProcess(PATIENT);
    const plan = faultPlan();
    const proxy = startFaultProxy(app.port, plan);
    console.log(`fault seed ${plan.seed} (NEXUS_FAULT_SEED to run it again)`);
    try {
      await threeHundredCalls([app], proxy);
    } finally {
      await proxy.stop();
      await app.stop();
    }
  },
});

Deno.test({
  name:
    "delivery: the same 300 calls over two instances and Redis, each connection sent to either at random (a session that comes back on the other instance is handed over): every message once, in order; every call ended right; none left open",
  ignore: needsPermissions() || needsService(REDIS),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await startRedis();
    const settings = { ...PATIENT, NEXUS_REDIS_URL: redis.url };
    const apps = await Promise.all([1, 2].map(() => startAppProcess(settings)));
    await untilReady(apps);
    const plan = faultPlan();
    // A load balancer with no stickiness.
    const choose = seeded(plan.seed + 1);
    const proxy = startFaultProxy(
      () => apps[Math.floor(choose() * apps.length)].port,
      plan,
    );
    console.log(`fault seed ${plan.seed} (NEXUS_FAULT_SEED to run it again)`);
    try {
      await threeHundredCalls(apps, proxy);
    } finally {
      await proxy.stop();
      for (const app of apps) await app.stop();
      await redis.stop();
    }
  },
});
