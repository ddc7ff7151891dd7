/**
 * The hub, through its public face with fake sockets and manual timers:
 * relaying WebRTC messages only inside an accepted call.
 * @module
 */
import assert from "node:assert/strict";
import { hubFixture, tick } from "../../../tests/support/hub_fixture.ts";
import { MemoryEngine } from "../engines/memory_engine.ts";

Deno.test("hub: signaling outside a call is refused with not-in-call and delivered to nobody", async (t) => {
  const s = hubFixture();
  const alice = await s.join("alice");
  const bob = await s.join("bob");
  const carol = await s.join("carol");
  for (const x of [alice, bob, carol]) x.socket.take();
  const attempts: [string, Record<string, unknown>][] = [
    ["webrtc:offer", { to: "bob", offer: { type: "offer", sdp: "v=0" } }],
    ["webrtc:candidate", { to: "bob", candidate: { candidate: "c" } }],
    ["call:response", { to: "bob", accepted: true }],
    ["call:end", { to: "bob" }],
  ];
  for (const [type, payload] of attempts) {
    await t.step(`${type} with no call`, async () => {
      await s.frame(alice.session, type, payload);
      const [reply] = alice.socket.take();
      assert.equal(reply.type === "error" && reply.payload.code, "not-in-call");
      assert.deepEqual(bob.socket.take(), []);
    });
  }
  await t.step(
    "webrtc:* while still ringing: the callee may not signal, and a device that does not prepare gets no early offer",
    async () => {
      await s.frame(alice.session, "call:request", {
        to: "bob",
        hasVideo: true,
        hasAudio: true,
      });
      bob.socket.take();
      await s.frame(alice.session, "webrtc:offer", {
        to: "bob",
        offer: { type: "offer", sdp: "v=0" },
      });
      assert.deepEqual(alice.socket.take(), []);
      assert.deepEqual(bob.socket.take(), []);
      for (
        const [type, payload] of [
          ["webrtc:answer", { to: "alice", answer: { type: "answer" } }],
          ["webrtc:candidate", { to: "alice", candidate: { candidate: "c" } }],
          ["webrtc:offer", { to: "alice", offer: { type: "offer" } }],
        ] as const
      ) {
        await s.frame(bob.session, type, payload);
        const [reply] = bob.socket.take();
        assert.equal(
          reply.type === "error" && reply.payload.code,
          "not-in-call",
          type,
        );
      }
      assert.deepEqual(alice.socket.take(), []);
    },
  );
  await t.step("the caller cannot answer their own call", async () => {
    await s.frame(alice.session, "call:response", {
      to: "bob",
      accepted: true,
    });
    const [reply] = alice.socket.take();
    assert.equal(reply.type === "error" && reply.payload.code, "not-in-call");
  });
  await t.step("a third user cannot end or join their call", async () => {
    await s.frame(carol.session, "call:end", { to: "bob" });
    await s.frame(carol.session, "call:response", {
      to: "alice",
      accepted: true,
    });
    assert.deepEqual(
      carol.socket.take().map((m) => m.type === "error" && m.payload.code),
      ["not-in-call", "not-in-call"],
    );
    assert.deepEqual(bob.socket.take(), []);
    assert.deepEqual(alice.socket.take(), []);
    assert.equal(s.hub.calls.between("alice", "bob")?.phase, "ringing");
  });
});

Deno.test("hub: a relayed message's latency counts from its own frame's arrival, though another session's frame came while it waited on the engine", async () => {
  let gate: Promise<void> | null = null;
  class SlowEngine extends MemoryEngine {
    override async devicesOf(user: string) {
      await gate;
      return super.devicesOf(user);
    }
  }
  const relayed: [string, number][] = [];
  const s = hubFixture({
    engine: new SlowEngine(),
    observer: { relayed: (type, seconds) => relayed.push([type, seconds]) },
  });
  const alice = await s.join("alice");
  const bob = await s.join("bob");
  let open!: () => void;
  gate = new Promise((resolve) => open = resolve);
  const request = s.hub.receive(
    alice.session,
    JSON.stringify({
      type: "call:request",
      payload: { to: "bob", hasVideo: true, hasAudio: true },
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  await s.hub.receive(
    bob.session,
    JSON.stringify({ type: "ping", payload: {} }),
  );
  open();
  await request;
  await tick();
  const [[type, seconds]] = relayed;
  assert.equal(type, "call:request");
  assert.ok(seconds >= 0.045, `measured ${seconds} s from bob's ping`);
});
