/**
 * The hub, through its public face with fake sockets and manual timers:
 * the grace period of a party whose device left.
 * @module
 */
import assert from "node:assert/strict";
import {
  aliceAndBobInCall,
  GRACE_MS,
  tick,
} from "../../../tests/support/hub_fixture.ts";

Deno.test("hub: a party whose socket closes has the grace period to come back, then the call ends", async () => {
  const t = await aliceAndBobInCall();
  await t.hub.disconnect(t.alice.session);
  assert.deepEqual(t.bob.socket.take(), [{
    type: "presence:update",
    payload: { userId: "alice", online: false },
  }]);
  t.timers.advance(GRACE_MS - 1);
  await tick();
  assert.equal(t.hub.calls.size, 1, "the call waits");
  t.timers.advance(1);
  await tick();
  assert.deepEqual(t.bob.socket.takeCalls(), [{
    type: "call:end",
    payload: { from: "alice", to: "bob", reason: "peer-gone" },
  }]);
  await t.hub.disconnect(t.bob.session);
  assert.equal(t.hub.registry.size, 0);
  assert.equal(t.hub.calls.size, 0);
  assert.equal(t.timers.size, 0, "no timer is left");
});

Deno.test("hub: a device that comes back in time keeps its call", async () => {
  const t = await aliceAndBobInCall();
  const device = t.alice.session.deviceId;
  await t.hub.disconnect(t.alice.session);
  const back = await t.join("alice", device);
  await t.frame(back.session, "call:resume", { to: "bob" });
  t.timers.advance(GRACE_MS * 2);
  await tick();
  assert.equal(t.hub.calls.between("alice", "bob")?.phase, "active");
  await t.frame(t.bob.session, "webrtc:candidate", {
    to: "alice",
    candidate: { candidate: "c" },
  });
  assert.equal(
    back.socket.take().at(-1)?.type,
    "webrtc:candidate",
    "signaling reaches the new socket",
  );
});
