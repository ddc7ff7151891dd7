/**
 * The hub, through its public face with fake sockets and manual timers:
 * reading frames: bad frames answered, ping.
 * @module
 */
import assert from "node:assert/strict";
import {
  aliceAndBobInCall,
  hubFixture,
} from "../../../tests/support/hub_fixture.ts";

Deno.test("hub: bad frames get errors and the socket stays open", async () => {
  const t = await aliceAndBobInCall();
  await t.hub.receive(t.alice.session, "not json");
  await t.hub.receive(t.alice.session, new Uint8Array([1, 2, 3]));
  await t.hub.receive(
    t.alice.session,
    JSON.stringify({ type: "nope", payload: {} }),
  );
  assert.deepEqual(
    t.alice.socket.take().map((m) => m.type === "error" && m.payload.code),
    [
      "invalid-json",
      "binary-frame",
      "unknown-type",
    ],
  );
  assert.equal(t.alice.socket.closed, null);
  assert.deepEqual(t.bob.socket.take(), []);
  assert.equal(t.hub.calls.between("alice", "bob")?.phase, "active");
});

Deno.test("hub: ping is answered pong", async () => {
  const t = hubFixture();
  const alice = await t.join("alice");
  await t.frame(alice.session, "ping", {});
  await t.hub.receive(alice.session, '{"type":"ping"}');
  assert.deepEqual(alice.socket.take(), [{ type: "pong", payload: {} }, {
    type: "pong",
    payload: {},
  }]);
});
