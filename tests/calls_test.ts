/**
 * Calls that behave like a phone, over real sockets: cancel, glare, many
 * devices, dead connections, reconnect and resume, server restarts, and a
 * soak of call set-ups and tear-downs.
 */
import assert from "node:assert/strict";
import { CLOSE_CODES } from "../lib/wire/protocol.ts";
import { DEFAULT_LIMITS } from "../lib/signaling/rate_limit.ts";
import { needsPermissions } from "./support/environment.ts";
import {
  type RunningServer,
  serverTest,
  type SignalingOptions,
  startSignaling,
} from "./support/servers.ts";
import { startAppProcess } from "./support/app_process.ts";
import { freePort } from "./support/process.ts";
import { openRaw } from "./support/raw_websocket.ts";
import { settle, TestClient } from "./support/ws_client.ts";
import { CANDIDATE as candidate, OFFER as offer } from "./support/messages.ts";

/** A test against its own signaling server, made with `options`. */
const phone = (
  name: string,
  fn: (server: RunningServer) => Promise<void>,
  options: SignalingOptions = {},
) => serverTest(name, fn, () => startSignaling(options));

const join = (server: RunningServer, user: string, device: string) =>
  TestClient.join(server.ws, user, `userId=${user}&deviceId=${device}`);

phone(
  "a caller who hangs up while ringing stops the callee's ringing",
  async (server) => {
    const alice = await TestClient.join(server.ws, "alice");
    const bob = await TestClient.join(server.ws, "bob");
    alice.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
    await bob.expect("call:request");
    alice.send("call:end", { to: "bob" });
    assert.deepEqual((await bob.expect("call:end")).payload, {
      to: "bob",
      from: "alice",
      reason: "cancelled",
    });
    await alice.close();
    await bob.close();
  },
);

phone(
  "glare, 50 times: both call at once, exactly one call results, the lower id's",
  async (server) => {
    const alice = await TestClient.join(server.ws, "alice");
    const bob = await TestClient.join(server.ws, "bob");
    for (let round = 0; round < 50; round++) {
      alice.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
      bob.send("call:request", { to: "alice", hasVideo: true, hasAudio: true });
      await settle(server.ws, alice, bob);
      assert.equal(server.hub.calls.size, 1, `round ${round}`);
      assert.equal(
        server.hub.calls.between("alice", "bob")?.caller,
        "alice",
        `round ${round}`,
      );
      const rung = bob.inbox.filter((m) =>
        m.type === "call:request" && m.payload.from === "alice"
      );
      assert.equal(rung.length, 1, "bob is rung by alice once");
      bob.send("call:response", { to: "alice", accepted: true });
      await alice.expect("call:response").catch(() => null);
      alice.send("call:end", { to: "bob" });
      await settle(server.ws, alice, bob);
      assert.equal(server.hub.calls.size, 0);
      alice.inbox.length = 0;
      bob.inbox.length = 0;
    }
    await alice.close();
    await bob.close();
  },
  {
    hub: {
      limits: { ...DEFAULT_LIMITS, callRequestBurst: 200, messageBurst: 1_000 },
    },
  },
);

phone(
  "two devices of one user: both ring, the first to accept gets the call, the other stops",
  async (server) => {
    const alice = await TestClient.join(server.ws, "alice");
    const tab1 = await join(server, "bob", "tab-1");
    const tab2 = await join(server, "bob", "tab-2");
    alice.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
    await tab1.expect("call:request");
    await tab2.expect("call:request");
    tab2.send("call:response", { to: "alice", accepted: true });
    await alice.expect("call:response");
    assert.equal(
      (await tab1.expect("call:end")).payload.reason,
      "answered-elsewhere",
    );
    alice.send("webrtc:offer", { to: "bob", offer });
    await tab2.expect("webrtc:offer");
    tab1.send("webrtc:answer", { to: "alice", answer: offer });
    assert.equal((await tab1.expect("error")).payload.code, "not-in-call");
    alice.send("call:end", { to: "bob" });
    await tab2.expect("call:end");
    await settle(server.ws, tab1);
    assert.deepEqual(tab1.inbox, []);

    alice.send("call:request", { to: "bob", hasVideo: false, hasAudio: true });
    await tab1.expect("call:request");
    await tab2.expect("call:request");
    tab1.send("call:response", {
      to: "alice",
      accepted: false,
      reason: "declined",
    });
    assert.equal((await alice.expect("call:response")).payload.accepted, false);
    assert.equal((await tab2.expect("call:end")).payload.reason, "declined");
    for (const client of [alice, tab1, tab2]) await client.close();
  },
);

phone(
  "a dead client (no pongs) is noticed and removed by the server",
  async (server) => {
    const raw = await openRaw(`${server.ws}?userId=zombie`);
    assert.equal(raw.status, 101);
    const bob = await TestClient.join(server.ws, "bob");
    await bob.seesPresence("zombie", false);
    raw.close();
    await bob.close();
  },
  { idleTimeoutS: 1 },
);

phone(
  "a heartbeat client that goes silent is closed as dead",
  async (server) => {
    const quiet = TestClient.open(
      `${server.ws}?userId=quiet&heartbeat=1`,
      "quiet",
    );
    await quiet.expect("session:ready");
    const closed = await quiet.closed;
    assert.equal(closed.code, CLOSE_CODES.silent);
    assert.equal(closed.reason, "no heartbeat");
  },
  { hub: { heartbeatTimeoutMs: 600 } },
);

phone(
  "a dropped device reconnects within the grace period and its call goes on",
  async (server) => {
    const alice = await join(server, "alice", "laptop");
    const bob = await TestClient.join(server.ws, "bob");
    alice.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
    await bob.expect("call:request");
    bob.send("call:response", { to: "alice", accepted: true });
    await alice.expect("call:response");
    await alice.close();
    const back = await join(server, "alice", "laptop");
    back.send("call:resume", { to: "bob" });
    await new Promise((resolve) => setTimeout(resolve, 600)); // past the 300 ms grace
    bob.send("webrtc:candidate", { to: "alice", candidate });
    assert.equal((await back.expect("webrtc:candidate")).payload.from, "bob");
    assert.ok(
      !bob.inbox.some((m) => m.type === "call:end"),
      "bob's call was never ended",
    );
    back.send("call:end", { to: "bob" });
    assert.equal((await bob.expect("call:end")).payload.reason, "hangup");
    await back.close();
    await bob.close();
  },
  { hub: { resumeGraceMs: 2_000 } },
);

phone(
  "a late close of an old socket never evicts the resumed session",
  async (server) => {
    const old = await join(server, "alice", "laptop");
    const bob = await TestClient.join(server.ws, "bob");
    old.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
    await bob.expect("call:request");
    bob.send("call:response", { to: "alice", accepted: true });
    await old.expect("call:response");
    const resumed = await join(server, "alice", "laptop");
    const closed = await old.closed;
    assert.equal(closed.code, CLOSE_CODES.replaced);
    await new Promise((resolve) => setTimeout(resolve, 600));
    bob.send("webrtc:candidate", { to: "alice", candidate });
    assert.equal(
      (await resumed.expect("webrtc:candidate")).payload.from,
      "bob",
    );
    resumed.send("call:end", { to: "bob" });
    await bob.expect("call:end");
    await resumed.close();
    await bob.close();
  },
);

phone(
  "500 call set-ups and tear-downs in a row leave the registry and the call table empty",
  async (server) => {
    const alice = await TestClient.join(server.ws, "alice");
    const bob = await TestClient.join(server.ws, "bob");
    for (let i = 0; i < 500; i++) {
      alice.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
      await bob.expect("call:request");
      bob.send("call:response", { to: "alice", accepted: true });
      await alice.expect("call:response");
      alice.send("webrtc:offer", { to: "bob", offer });
      await bob.expect("webrtc:offer");
      (i % 2 ? alice : bob).send("call:end", { to: i % 2 ? "bob" : "alice" });
      await (i % 2 ? bob : alice).expect("call:end");
    }
    assert.equal(server.hub.calls.size, 0);
    await alice.close();
    await bob.close();
  },
  {
    hub: {
      limits: {
        ...DEFAULT_LIMITS,
        callRequestBurst: 1_000,
        messageBurst: 10_000,
      },
    },
  },
);

for (const how of ["stop", "kill"] as const) {
  Deno.test({
    name: `server: a server ${
      how === "stop" ? "stopped (SIGTERM)" : "killed (SIGKILL)"
    } mid-call: clients come back and hang up`,
    ignore: needsPermissions(),
    async fn() {
      const port = String(freePort());
      const ws = `ws://127.0.0.1:${port}/ws`;
      let app = await startAppProcess({
        PORT: port,
        NEXUS_RESUME_GRACE_MS: "5000",
      });
      const alice = await TestClient.join(
        ws,
        "alice",
        "userId=alice&deviceId=a1",
      );
      const bob = await TestClient.join(ws, "bob", "userId=bob&deviceId=b1");
      alice.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
      await bob.expect("call:request");
      bob.send("call:response", { to: "alice", accepted: true });
      await alice.expect("call:response");
      await app[how]();
      const closed = await alice.closed;
      if (how === "stop") assert.equal(closed.code, CLOSE_CODES.restarting);
      else {assert.equal(
          closed.wasClean,
          false,
          "a killed server says no goodbye",
        );}
      app = await startAppProcess({
        PORT: port,
        NEXUS_RESUME_GRACE_MS: "5000",
      });
      try {
        const alice2 = await TestClient.join(
          ws,
          "alice",
          "userId=alice&deviceId=a1",
        );
        const bob2 = await TestClient.join(ws, "bob", "userId=bob&deviceId=b1");
        alice2.send("call:resume", { to: "bob" });
        bob2.send("call:resume", { to: "alice" });
        await settle(ws, alice2, bob2);
        alice2.send("call:end", { to: "bob" });
        assert.deepEqual((await bob2.expect("call:end")).payload, {
          to: "bob",
          from: "alice",
          reason: "hangup",
        });
        await alice2.close();
        await bob2.close();
      } finally {
        await app.stop();
      }
    },
  });
}
