/**
 * The hub, through its public face with fake sockets and manual timers:
 * per-session guards: ICE refresh, token expiry, heartbeats.
 * @module
 */
import assert from "node:assert/strict";
import { CLOSE_CODES } from "../../wire/protocol.ts";
import { FakeSocket } from "../../../tests/support/fake_socket.ts";
import { hubFixture, tick } from "../../../tests/support/hub_fixture.ts";

Deno.test("hub: sessions get fresh ICE servers before the old ones expire, until they leave", async () => {
  let issued = 0;
  const { hub, timers } = hubFixture({
    iceRefresh: {
      forUser: (userId) =>
        Promise.resolve([{
          urls: "turn:127.0.0.1",
          username: `${++issued}:${userId}`,
        }]),
      everyMs: 1_000,
    },
  });
  const socket = new FakeSocket();
  const session = hub.connect("alice", socket)!;
  await tick();
  socket.take();
  for (const round of [1, 2]) {
    timers.advance(1_000);
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(socket.take(), [{
      type: "session:ice-servers",
      payload: {
        iceServers: [{ urls: "turn:127.0.0.1", username: `${round}:alice` }],
      },
    }]);
  }
  await hub.disconnect(session);
  assert.equal(timers.size, 0, "no timer outlives the session");
});

Deno.test("hub: a session whose token expires is closed with 1008", async () => {
  let now = 10_000;
  const { hub, timers } = hubFixture({ now: () => now });
  const socket = new FakeSocket();
  hub.connect("alice", socket, { expiresAt: 15_000 });
  now = 14_999;
  timers.advance(4_999);
  await tick();
  assert.equal(socket.closed, null);
  timers.advance(1);
  await tick();
  assert.deepEqual(socket.closed, {
    code: CLOSE_CODES.policy,
    reason: "token expired",
  });
});

Deno.test("hub: heartbeat sessions that go silent are closed; the ones that ping stay", async () => {
  let now = 0;
  const { hub, timers } = hubFixture({
    heartbeatTimeoutMs: 3_000,
    now: () => now,
  });
  const chatty = new FakeSocket();
  const silent = new FakeSocket();
  const other = new FakeSocket();
  const chattySession = hub.connect("alice", chatty, { heartbeat: true });
  hub.connect("bob", silent, { heartbeat: true });
  hub.connect("carol", other);
  for (let second = 1; second <= 4; second++) {
    now = second * 1_000;
    await hub.receive(
      chattySession,
      JSON.stringify({ type: "ping", payload: {} }),
    );
    timers.advance(1_000);
    await tick();
  }
  assert.deepEqual(silent.closed, {
    code: CLOSE_CODES.silent,
    reason: "no heartbeat",
  });
  assert.equal(chatty.closed, null);
  assert.equal(
    other.closed,
    null,
    "a socket without heartbeat is the socket's own business",
  );
});
