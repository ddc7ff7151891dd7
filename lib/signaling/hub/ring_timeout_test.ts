/**
 * The hub, through its public face with fake sockets and manual timers:
 * the ring timeout and its timer.
 * @module
 */
import assert from "node:assert/strict";
import {
  aliceAndBobInCall,
  hubFixture,
  RING_MS,
  tick,
} from "../../../tests/support/hub_fixture.ts";

Deno.test("hub: an unanswered call ends with no-answer on both sides", async () => {
  const { hub, timers, join, frame } = hubFixture();
  const alice = await join("alice");
  const bob = await join("bob");
  alice.socket.take();
  await frame(alice.session, "call:request", {
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  bob.socket.take();
  timers.advance(RING_MS - 1);
  await tick();
  assert.equal(hub.calls.size, 1);
  timers.advance(1);
  await tick();
  assert.deepEqual(alice.socket.take(), [{
    type: "call:end",
    payload: { from: "bob", to: "alice", reason: "no-answer" },
  }]);
  assert.deepEqual(bob.socket.take(), [{
    type: "call:end",
    payload: { from: "alice", to: "bob", reason: "no-answer" },
  }]);
  assert.equal(hub.calls.size, 0);
});

Deno.test("hub: an answered or cancelled call stops its ring timer", async () => {
  const t = await aliceAndBobInCall();
  assert.equal(t.timers.size, 0);
  const carol = await t.join("carol");
  const dave = await t.join("dave");
  await t.frame(carol.session, "call:request", {
    to: "dave",
    hasVideo: true,
    hasAudio: true,
  });
  assert.equal(t.timers.size, 1);
  await t.frame(carol.session, "call:end", { to: "dave" });
  assert.deepEqual(dave.socket.take().at(-1), {
    type: "call:end",
    payload: { to: "dave", from: "carol", reason: "cancelled" },
  });
  assert.equal(t.timers.size, 0);
});
