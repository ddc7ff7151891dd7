/**
 * The hub, through its public face with fake sockets and manual timers:
 * joining and leaving: ready, device ids, replaced connections, a device that joins while its user is rung.
 * @module
 */
import assert from "node:assert/strict";
import { CLOSE_CODES } from "../../wire/protocol.ts";
import { FakeSocket } from "../../../tests/support/fake_socket.ts";
import {
  aliceAndBobInCall,
  GRACE_MS,
  hubFixture,
  tick,
} from "../../../tests/support/hub_fixture.ts";

Deno.test("hub: joining: ready with a device id, presence once per user, and more devices", async () => {
  const { hub, join } = hubFixture();
  const alice = await join("alice", "laptop");
  const socket = new FakeSocket();
  hub.connect("bob", socket, {
    deviceId: "phone",
    iceServers: [{ urls: "stun:127.0.0.1:3478" }],
  });
  await tick();
  assert.deepEqual(socket.take(), [
    {
      type: "session:ready",
      payload: {
        userId: "bob",
        deviceId: "phone",
        iceServers: [{ urls: "stun:127.0.0.1:3478" }],
        iceTransportPolicy: "all",
        presence: true,
      },
    },
    { type: "presence:list", payload: { users: ["alice", "bob"], inCall: [] } },
  ]);
  assert.deepEqual(alice.socket.take(), [{
    type: "presence:update",
    payload: { userId: "bob", online: true },
  }]);

  const tablet = await join("alice", "tablet");
  assert.equal(hub.registry.devices("alice").length, 2);
  assert.deepEqual(
    alice.socket.take(),
    [],
    "a second device is not news to anyone",
  );
  assert.deepEqual(socket.take(), []);
  await hub.disconnect(tablet.session);
  assert.deepEqual(socket.take(), [], "alice is still online on her laptop");

  const anonymous = new FakeSocket();
  const made = hub.connect("carol", anonymous);
  assert.match(
    made.deviceId,
    /^[a-z0-9]{18}$/,
    "a device id is made when none is given",
  );
});

Deno.test("hub: a reconnect that arrives before the old socket's close replaces it, and the late close changes nothing", async () => {
  const t = await aliceAndBobInCall();
  const device = t.alice.session.deviceId;
  const back = await t.join("alice", device);
  assert.deepEqual(t.alice.socket.closed, {
    code: CLOSE_CODES.replaced,
    reason: "replaced by a newer connection",
  });
  await t.hub.disconnect(t.alice.session);
  assert.equal(t.hub.registry.get("alice", device), back.session);
  t.timers.advance(GRACE_MS * 2);
  await tick();
  assert.equal(
    t.hub.calls.between("alice", "bob")?.phase,
    "active",
    "no grace was started",
  );
  assert.deepEqual(t.bob.socket.take(), []);
});

Deno.test("hub: a late close of a replaced connection does not evict its successor", async () => {
  const { hub, join } = hubFixture();
  const first = await join("alice", "tab");
  const second = await join("alice", "tab");
  await hub.disconnect(first.session);
  assert.equal(hub.registry.get("alice", "tab"), second.session);
});

Deno.test("hub: a device that joins while its user is being called rings too", async () => {
  const t = hubFixture();
  const alice = await t.join("alice");
  await t.join("bob", "phone");
  await t.frame(alice.session, "call:request", {
    to: "bob",
    hasVideo: false,
    hasAudio: true,
  });
  const socket = new FakeSocket();
  t.hub.connect("bob", socket, { deviceId: "laptop" });
  await tick();
  assert.deepEqual(socket.take().at(-1), {
    type: "call:request",
    payload: { from: "alice", to: "bob", hasVideo: false, hasAudio: true },
  });
});
