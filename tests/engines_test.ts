/**
 * One contract, three engines: what the hub relies on holds for the
 * in-process engine, Redis (a real redis-server) and Deno Deploy's (Deno KV
 * and BroadcastChannel, here in one process).
 */
import assert from "node:assert/strict";
import { ringingCall } from "./support/calls.ts";
import type {
  Broadcast,
  EngineInbox,
  Envelope,
  LostDevice,
  SignalingEngine,
} from "../lib/signaling/engines/engine.ts";
import { MemoryEngine } from "../lib/signaling/engines/memory_engine.ts";
import { RedisEngine } from "../lib/signaling/engines/redis_engine.ts";
import { DeployEngine } from "../lib/signaling/engines/deploy_engine.ts";
import {
  needsPermissions,
  needsService,
  REDIS,
} from "./support/environment.ts";
import { startRedis } from "./support/redis.ts";
import { FakeSocket } from "./support/fake_socket.ts";
import { SignalingHub } from "../lib/signaling/hub/hub.ts";
import type { Session } from "../lib/signaling/session.ts";

const TTL_MS = 1_000;

/** An inbox that records what reaches it, with the devices it keeps alive. */
class RecordingInbox implements EngineInbox {
  envelopes: Envelope[] = [];
  broadcasts: Broadcast[] = [];
  lostDevices: LostDevice[] = [];
  held: { user: string; device: string }[] = [];
  deliver(envelope: Envelope) {
    this.envelopes.push(envelope);
  }
  broadcast(message: Broadcast) {
    this.broadcasts.push(message);
  }
  lost(devices: LostDevice[]) {
    this.lostDevices.push(...devices);
  }
  devices() {
    return this.held;
  }
  rebuild() {
    return Promise.resolve();
  }
}

async function until(done: () => boolean, what: string, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The contract every engine keeps, alone. */
async function keepsState(t: Deno.TestContext, engine: SignalingEngine) {
  await t.step("devices: joined, listed where they are, left", async () => {
    assert.deepEqual(await engine.deviceJoined("alice", "laptop"), {
      wentOnline: true,
      movedFrom: null,
    });
    assert.deepEqual(await engine.deviceJoined("alice", "phone"), {
      wentOnline: false,
      movedFrom: null,
    });
    assert.deepEqual(
      await engine.devicesOf("alice"),
      new Map([["laptop", engine.instanceId], ["phone", engine.instanceId]]),
    );
    assert.deepEqual((await engine.presence()).users, ["alice"]);
    assert.equal(await engine.deviceLeft("alice", "phone"), false);
    assert.equal(await engine.deviceLeft("alice", "laptop"), true);
    assert.equal((await engine.devicesOf("alice")).size, 0);
  });

  await t.step(
    "calls: of 20 claims at once exactly one wins; a stale copy never swaps",
    async () => {
      const claims = await Promise.all(
        Array.from(
          { length: 20 },
          (_, i) =>
            engine.swapCall(["bob", "carol"], undefined, {
              ...ringingCall("bob", "carol"),
              id: `claim-${i}`,
            }),
        ),
      );
      assert.equal(claims.filter(Boolean).length, 1);
      const current = (await engine.callOf("carol"))!;
      assert.deepEqual(await engine.callOf("bob"), current);
      const active = { ...current, phase: "active" as const, version: 1 };
      assert.equal(
        await engine.swapCall(
          ["bob", "carol"],
          { ...current, version: 7 },
          active,
        ),
        false,
        "a copy of another version",
      );
      assert.equal(
        await engine.swapCall(["bob", "carol"], current, active),
        true,
      );
      await engine.deviceJoined("bob", "b");
      await engine.deviceJoined("carol", "c");
      assert.deepEqual(
        (await engine.presence()).inCall.sort(),
        ["bob", "carol"],
      );
      assert.equal(
        await engine.swapCall(["bob", "carol"], current, undefined),
        false,
        "the old version cannot end it",
      );
      assert.equal(
        await engine.swapCall(["bob", "carol"], active, undefined),
        true,
      );
      assert.equal(await engine.callOf("bob"), undefined);
      assert.deepEqual((await engine.presence()).inCall, []);
      await engine.deviceLeft("bob", "b");
      await engine.deviceLeft("carol", "c");
    },
  );

  await t.step(
    "rate buckets: a burst, then empty; refilled over time; keys apart",
    async () => {
      const limit = { capacity: 3, perSecond: 20 };
      const key = `burst-${crypto.randomUUID()}`;
      const taken = [];
      for (let i = 0; i < 4; i++) {
        taken.push(await engine.takeToken(key, limit));
      }
      assert.deepEqual(taken, [true, true, true, false]);
      assert.equal(await engine.takeToken(`${key}-other`, limit), true);
      await new Promise((resolve) => setTimeout(resolve, 120));
      assert.equal(await engine.takeToken(key, limit), true, "refilled");
    },
  );
}

/** The contract between two instances of a shared engine. */
async function sharesState(
  t: Deno.TestContext,
  make: () => SignalingEngine,
) {
  const [first, second, third] = [make(), make(), make()];
  const [firstInbox, secondInbox, thirdInbox] = [1, 2, 3].map(() =>
    new RecordingInbox()
  );
  await first.start(firstInbox);
  await second.start(secondInbox);
  await third.start(thirdInbox);
  try {
    await keepsState(t, first);

    await t.step(
      "one message to one instance; broadcasts to the others",
      async () => {
        const envelope: Envelope = { user: "dave", device: "d", text: "hello" };
        first.send(second.instanceId, envelope);
        await until(() => secondInbox.envelopes.length === 1, "envelope");
        assert.deepEqual(secondInbox.envelopes, [envelope]);
        first.broadcast({ presence: { userId: "barrier", online: true } });
        await until(() => thirdInbox.broadcasts.length === 1, "barrier");
        assert.deepEqual(
          [...firstInbox.envelopes, ...thirdInbox.envelopes],
          [],
          "no other instance gets it",
        );
        thirdInbox.broadcasts.length = 0;
        secondInbox.broadcasts.length = 0;
        first.broadcast({ presence: { userId: "dave", online: false } });
        await until(() => secondInbox.broadcasts.length === 1, "broadcast");
        assert.deepEqual(secondInbox.broadcasts, [{
          presence: { userId: "dave", online: false },
          sender: first.instanceId,
        }]);
        assert.deepEqual(firstInbox.broadcasts, [], "not back to its sender");
      },
    );

    await t.step(
      "a rate bucket is shared: 12 takes at once on three instances, 5 succeed",
      async () => {
        const limit = { capacity: 5, perSecond: 0.01 };
        const key = `shared-${crypto.randomUUID()}`;
        const takes = await Promise.all(
          Array.from(
            { length: 12 },
            (_, i) => [first, second, third][i % 3].takeToken(key, limit),
          ),
        );
        assert.equal(takes.filter(Boolean).length, 5);
      },
    );

    await t.step(
      "a device seen on one instance is seen where it is by the other",
      async () => {
        assert.equal(
          (await first.deviceJoined("erin", "tab")).wentOnline,
          true,
        );
        assert.deepEqual(
          await second.devicesOf("erin"),
          new Map([["tab", first.instanceId]]),
        );
        assert.equal(
          (await second.deviceJoined("erin", "phone")).wentOnline,
          false,
        );
        assert.deepEqual(
          await second.deviceJoined("erin", "tab"),
          { wentOnline: false, movedFrom: first.instanceId },
          "the tab reconnected to the other instance",
        );
        assert.equal(
          await first.deviceLeft("erin", "tab"),
          false,
          "the instance it left no longer owns it",
        );
        assert.deepEqual(
          await second.devicesOf("erin"),
          new Map([["tab", second.instanceId], ["phone", second.instanceId]]),
        );
        assert.equal(await second.deviceLeft("erin", "phone"), false);
        assert.equal(await second.deviceLeft("erin", "tab"), true);
      },
    );

    await t.step(
      "an instance that stops renewing: its devices are lost once, to one survivor",
      async () => {
        secondInbox.held.push({ user: "frank", device: "kept" });
        await second.deviceJoined("frank", "kept");
        await first.deviceJoined("gina", "gone");
        await first.close();
        const lost = () => [
          ...secondInbox.lostDevices,
          ...thirdInbox.lostDevices,
        ];
        await until(() => lost().length > 0, "lost device", TTL_MS * 4);
        // Both survivors sweep; give the slower one time to report it twice, wrongly.
        await new Promise((resolve) => setTimeout(resolve, TTL_MS));
        assert.deepEqual(lost(), [{
          user: "gina",
          device: "gone",
          offline: true,
        }]);
        assert.equal((await second.devicesOf("gina")).size, 0);
        assert.equal((await second.devicesOf("frank")).size, 1, "renewed");
        await second.deviceLeft("frank", "kept");
      },
    );
  } finally {
    await Promise.all([first, second, third].map((engine) => engine.close()));
  }
}

Deno.test("engines: the in-process engine", async (t) => {
  const engine = new MemoryEngine();
  await engine.start();
  await keepsState(t, engine);
});

Deno.test({
  name: "engines: the Redis engine",
  ignore: needsService(REDIS),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const redis = await startRedis();
    try {
      await sharesState(
        t,
        () => new RedisEngine({ url: redis.url, deviceTtlMs: TTL_MS }),
      );
    } finally {
      await redis.stop();
    }
  },
});

Deno.test({
  name:
    "engines: the Deno Deploy engine (KV and BroadcastChannel in one process)",
  ignore: needsPermissions(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const kv = await Deno.openKv(":memory:");
    try {
      await sharesState(t, () => new DeployEngine({ kv, deviceTtlMs: TTL_MS }));
    } finally {
      kv.close();
    }
  },
});

Deno.test({
  name:
    "engines: two hubs over the Deno Deploy engine: a call from one to the other",
  ignore: needsPermissions(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const kv = await Deno.openKv(":memory:");
    const hubs = [1, 2].map(() =>
      new SignalingHub({
        ringTimeoutMs: 60_000,
        engine: new DeployEngine({ kv, deviceTtlMs: TTL_MS }),
      })
    );
    try {
      await Promise.all(hubs.map((hub) => hub.start()));
      const [aliceSocket, bobSocket] = [new FakeSocket(), new FakeSocket()];
      const alice = hubs[0].connect("alice", aliceSocket);
      const bob = hubs[1].connect("bob", bobSocket);
      const frame = (
        hub: SignalingHub,
        session: Session,
        type: string,
        payload: object,
      ) => hub.receive(session, JSON.stringify({ type, payload }));
      const arrived = async (socket: FakeSocket, type: string) => {
        await until(() => socket.sent.some((m) => m.type === type), type);
        return socket.sent.splice(
          socket.sent.findIndex((m) => m.type === type),
          1,
        )[0];
      };
      await until(
        () => aliceSocket.sent.some((m) => m.type === "presence:list"),
        "alice's presence",
      );
      await frame(hubs[0], alice, "call:request", {
        to: "bob",
        hasVideo: true,
        hasAudio: true,
      });
      await arrived(bobSocket, "call:request");
      await frame(hubs[1], bob, "call:response", {
        to: "alice",
        accepted: true,
      });
      assert.deepEqual((await arrived(aliceSocket, "call:response")).payload, {
        to: "alice",
        accepted: true,
        from: "bob",
      });
      await frame(hubs[0], alice, "webrtc:offer", {
        to: "bob",
        offer: { type: "offer", sdp: "v=0" },
      });
      await arrived(bobSocket, "webrtc:offer");
      await frame(hubs[1], bob, "call:end", { to: "alice" });
      assert.equal(
        ((await arrived(aliceSocket, "call:end")).payload as { reason: string })
          .reason,
        "hangup",
      );
      assert.equal(hubs[0].calls.size + hubs[1].calls.size, 0);
    } finally {
      await Promise.all(hubs.map((hub) => hub.stop()));
      kv.close();
    }
  },
});
