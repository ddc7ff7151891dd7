/**
 * Running the server as an operator would: settings that stop it with a
 * sentence, health and readiness, metrics that count a real call, JSON logs
 * with no secrets, OpenTelemetry, and a graceful stop.
 */
import assert from "node:assert/strict";
import { mintToken } from "../lib/signaling/auth.ts";
import { CLOSE_CODES } from "../lib/wire/protocol.ts";
import { needsPermissions } from "./support/environment.ts";
import {
  type AppProcess,
  runAppUntilExit,
  startAppProcess,
} from "./support/app_process.ts";
import { TestClient } from "./support/ws_client.ts";

const JWT_SECRET = "operations-test-secret-0123456789abcdef";
const offer = { type: "offer", sdp: "v=0\r\no=- 42 2 IN IP4 127.0.0.1\r\n" };
const candidate = {
  candidate: "candidate:7 1 udp 2122260223 127.0.0.1 54321 typ host",
  sdpMid: "0",
};

function operations(name: string, fn: () => Promise<void>) {
  Deno.test({ name: `server: ${name}`, ignore: needsPermissions(), fn });
}

/** alice calls bob, who answers; they exchange an offer and a candidate; alice hangs up. */
async function wholeCall(ws: string, query: (user: string) => Promise<string>) {
  const alice = await TestClient.join(ws, "alice", await query("alice"));
  const bob = await TestClient.join(ws, "bob", await query("bob"));
  alice.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
  await bob.expect("call:request");
  bob.send("call:response", { to: "alice", accepted: true });
  await alice.expect("call:response");
  alice.send("webrtc:offer", { to: "bob", offer });
  await bob.expect("webrtc:offer");
  bob.send("webrtc:candidate", { to: "alice", candidate });
  await alice.expect("webrtc:candidate");
  alice.sendRaw("not json");
  await alice.expect("error");
  alice.send("call:end", { to: "bob" });
  await bob.expect("call:end");
  return { alice, bob };
}

const wsOf = (app: AppProcess) => `ws://localhost:${app.port}/ws`;

operations(
  "each bad setting stops the server with a sentence naming it",
  async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: "eighty" }, /PORT must be a whole number/],
      [
        { NEXUS_JWT_SECRET: "too-short" },
        /NEXUS_JWT_SECRET must be at least 32 bytes/,
      ],
      [{ NEXUS_ICE_SERVERS: "[{oops" }, /NEXUS_ICE_SERVERS must be JSON/],
      [{ NEXUS_LOG_LEVEL: "chatty" }, /NEXUS_LOG_LEVEL must be one of/],
      [
        { NEXUS_TURN_URLS: "turn:127.0.0.1", NEXUS_TURN_SECRET: JWT_SECRET },
        /NEXUS_TURN_SECRET needs NEXUS_JWT_SECRET/,
      ],
      [{ NEXUS_ALLOWED_ORIGINS: "not an origin" }, /NEXUS_ALLOWED_ORIGINS/],
    ];
    for (const [env, sentence] of cases) {
      const { code, stderr } = await runAppUntilExit(env);
      assert.equal(code, 1, JSON.stringify(env));
      assert.match(stderr, /^Nexus Call cannot start: /);
      assert.match(stderr, sentence);
    }
  },
);

operations(
  "health, readiness, and metrics that count a call made here",
  async () => {
    const app = await startAppProcess({ NEXUS_METRICS_TOKEN: "scrape-me" });
    try {
      const health = await fetch(`${app.http}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(await health.text(), "ok\n");
      const ready = await fetch(`${app.http}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(await ready.text(), "ready\n");
      const anonymous = await fetch(`${app.http}/metrics`);
      assert.equal(anonymous.status, 401);
      await anonymous.body?.cancel();

      const { alice, bob } = await wholeCall(
        wsOf(app),
        (user) => Promise.resolve(`userId=${user}`),
      );
      const scrape = async () =>
        await (await fetch(`${app.http}/metrics`, {
          headers: { authorization: "Bearer scrape-me" },
        })).text();
      const metrics = await scrape();
      const value = (line: string) =>
        Number(
          metrics.match(
            new RegExp(`^${line.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m"),
          )?.[1],
        );
      assert.equal(value("nexus_sessions"), 2);
      assert.equal(value("nexus_calls_answered_total"), 1);
      assert.equal(value('nexus_call_outcomes_total{reason="hangup"}'), 1);
      assert.equal(
        value('nexus_messages_relayed_total{type="call:request"}'),
        1,
      );
      assert.equal(
        value('nexus_messages_relayed_total{type="webrtc:offer"}'),
        1,
      );
      assert.equal(
        value('nexus_messages_relayed_total{type="webrtc:candidate"}'),
        1,
      );
      assert.equal(value('nexus_errors_total{code="invalid-json"}'), 1);
      assert.equal(value("nexus_relay_latency_seconds_count"), 5);
      assert.equal(value('nexus_calls{phase="active"}'), 0);
      await alice.close();
      await bob.close();
    } finally {
      await app.stop();
    }
  },
);

operations(
  "log lines are JSON, one per event, free of tokens, SDP, candidates and addresses",
  async () => {
    const app = await startAppProcess({ NEXUS_JWT_SECRET: JWT_SECRET });
    const tokens: string[] = [];
    try {
      const { alice, bob } = await wholeCall(wsOf(app), async (user) => {
        tokens.push(await mintToken(JWT_SECRET, user, 600));
        return `token=${tokens.at(-1)}`;
      });
      await alice.close();
      await bob.close();
      const refused = await fetch(`${app.http}/ws?token=${tokens[0]}x`, {
        headers: { upgrade: "websocket" },
      });
      assert.equal(refused.status, 401);
      await refused.body?.cancel();
    } finally {
      await app.stop();
    }
    const lines = app.output().trim().split("\n");
    const events = lines.map((line) => JSON.parse(line));
    for (const event of events) {
      assert.equal(typeof event.time, "string");
      assert.ok(["debug", "info", "warn", "error"].includes(event.level));
      assert.equal(typeof event.event, "string");
    }
    const names = events.map((e) => e.event);
    for (
      const expected of [
        "server.listening",
        "session.opened",
        "call.ringing",
        "call.answered",
        "call.ended",
        "session.closed",
        "handshake.refused",
      ]
    ) {
      assert.ok(names.includes(expected), `logged ${expected}`);
    }
    assert.deepEqual(events.find((e) => e.event === "call.ended"), {
      ...events.find((e) => e.event === "call.ended"),
      caller: "alice",
      callee: "bob",
      reason: "hangup",
    });
    const all = app.output();
    for (
      const secret of [
        ...tokens,
        JWT_SECRET,
        "v=0",
        "candidate:",
        "127.0.0.1",
        "54321",
      ]
    ) {
      assert.ok(
        !all.includes(secret),
        `the logs do not contain ${secret.slice(0, 20)}…`,
      );
    }
  },
);

operations("SIGTERM closes sockets with 1012 and exits promptly", async () => {
  const app = await startAppProcess({});
  const alice = await TestClient.join(wsOf(app), "alice");
  const started = performance.now();
  await app.stop();
  const closed = await alice.closed;
  assert.equal(closed.code, CLOSE_CODES.restarting);
  assert.equal(closed.reason, "server restarting");
  assert.ok(
    performance.now() - started < 5_000,
    "stopped within Deno Deploy's 5 s",
  );
  assert.match(app.output(), /"event":"server.stopping","signal":"SIGTERM"/);
});

operations(
  "OTEL_DENO=true exports traces to an OpenTelemetry collector",
  async () => {
    const received: string[] = [];
    const collector = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen() {},
    }, async (req) => {
      received.push(new URL(req.url).pathname);
      await req.body?.cancel();
      return new Response(null, { status: 200 });
    });
    const app = await startAppProcess({
      OTEL_DENO: "true",
      OTEL_SERVICE_NAME: "nexus-call-test",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.addr.port}`,
    });
    try {
      for (let i = 0; i < 3; i++) {
        await (await fetch(`${app.http}/healthz`))
          .body?.cancel();
      }
    } finally {
      await app.stop();
      await collector.shutdown();
    }
    assert.ok(
      received.includes("/v1/traces"),
      `the collector received ${JSON.stringify(received)}`,
    );
  },
);
