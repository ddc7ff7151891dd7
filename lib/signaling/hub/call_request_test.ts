/**
 * The hub, through its public face with fake sockets and manual timers:
 * placing a call: ringing, and every way a call request is answered no.
 * @module
 */
import assert from "node:assert/strict";
import {
  aliceAndBobInCall,
  hubFixture,
} from "../../../tests/support/hub_fixture.ts";

Deno.test("hub: a whole call's signaling, with from stamped by the server", async () => {
  const { hub, join, frame } = hubFixture();
  const alice = await join("alice");
  const bob = await join("bob");
  alice.socket.takeCalls();
  await frame(alice.session, "call:request", {
    from: "mallory",
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  assert.deepEqual(bob.socket.takeCalls(), [{
    type: "call:request",
    payload: { from: "alice", to: "bob", hasVideo: true, hasAudio: true },
  }]);
  await frame(bob.session, "call:response", { to: "alice", accepted: true });
  assert.deepEqual(alice.socket.takeCalls(), [{
    type: "call:response",
    payload: { to: "alice", accepted: true, from: "bob" },
  }]);
  assert.equal(hub.calls.of("alice")?.phase, "active");

  const offer = { type: "offer", sdp: "v=0" };
  await frame(alice.session, "webrtc:offer", { to: "bob", offer });
  await frame(bob.session, "webrtc:answer", {
    to: "alice",
    answer: { type: "answer", sdp: "v=0" },
  });
  await frame(bob.session, "webrtc:candidate", {
    to: "alice",
    candidate: { candidate: "c", sdpMid: "0" },
  });
  assert.deepEqual(
    bob.socket.takeCalls().map((
      m,
    ) => [m.type, "from" in m.payload && m.payload.from]),
    [["webrtc:offer", "alice"]],
  );
  assert.deepEqual(alice.socket.takeCalls().map((m) => m.type), [
    "webrtc:answer",
    "webrtc:candidate",
  ]);

  await frame(bob.session, "call:end", { to: "alice" });
  assert.deepEqual(alice.socket.takeCalls(), [{
    type: "call:end",
    payload: { to: "alice", from: "bob", reason: "hangup" },
  }]);
  assert.equal(hub.calls.size, 0);
});

Deno.test("hub: calling someone offline, yourself, or while in a call", async () => {
  const { join, frame } = hubFixture();
  const alice = await join("alice");
  await frame(alice.session, "call:request", {
    to: "ghost",
    hasVideo: true,
    hasAudio: true,
  });
  await frame(alice.session, "call:request", {
    to: "alice",
    hasVideo: true,
    hasAudio: true,
  });
  assert.deepEqual(
    alice.socket.take().map((m) =>
      m.type === "error" && [m.payload.code, m.payload.inReplyTo]
    ),
    [
      ["peer-unavailable", "call:request"],
      ["self-call", "call:request"],
    ],
  );
  const t = await aliceAndBobInCall();
  await t.join("carol");
  await t.frame(t.alice.session, "call:request", {
    to: "carol",
    hasVideo: true,
    hasAudio: true,
  });
  const [error] = t.alice.socket.take().filter((m) => m.type === "error");
  assert.equal(error.type === "error" && error.payload.code, "already-in-call");
});

Deno.test("hub: calling someone in a call answers busy and leaves their call alone", async () => {
  const t = await aliceAndBobInCall();
  const carol = await t.join("carol");
  t.bob.socket.take();
  await t.frame(carol.session, "call:request", {
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  assert.deepEqual(carol.socket.take(), [{
    type: "call:response",
    payload: { from: "bob", to: "carol", accepted: false, reason: "busy" },
  }]);
  assert.deepEqual(t.bob.socket.take(), []);
  assert.equal(t.hub.calls.between("alice", "bob")?.phase, "active");
});
