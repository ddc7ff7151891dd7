/**
 * The hub, through its public face with fake sockets and manual timers:
 * presence as the hub sends it.
 * @module
 */
import assert from "node:assert/strict";
import { FakeSocket } from "../../../tests/support/fake_socket.ts";
import { SignalingHub } from "./hub.ts";
import {
  aliceAndBobInCall,
  RING_MS,
  tick,
} from "../../../tests/support/hub_fixture.ts";

Deno.test("hub: with presence off, nobody learns who is online, and calling by id still works", async () => {
  const hub = new SignalingHub({ ringTimeoutMs: RING_MS, presence: false });
  const alice = new FakeSocket();
  const bob = new FakeSocket();
  const aliceSession = hub.connect("alice", alice);
  hub.connect("bob", bob);
  await tick();
  assert.deepEqual(alice.take().map((m) => m.type), ["session:ready"]);
  assert.equal(
    (bob.take()[0].payload as { presence: boolean }).presence,
    false,
  );
  await hub.receive(
    aliceSession,
    JSON.stringify({
      type: "call:request",
      payload: { to: "bob", hasVideo: true, hasAudio: true },
    }),
  );
  assert.deepEqual(bob.take().map((m) => m.type), ["call:request"]);
  await hub.disconnect(aliceSession);
  assert.deepEqual(bob.take(), []);
});

Deno.test("hub: presence says who is in a call, from answer to hang-up", async () => {
  const t = await aliceAndBobInCall();
  const carol = new FakeSocket();
  t.hub.connect("carol", carol);
  await tick();
  assert.deepEqual(carol.take()[1], {
    type: "presence:list",
    payload: { users: ["alice", "bob", "carol"], inCall: ["alice", "bob"] },
  });
  await t.frame(t.alice.session, "call:end", { to: "bob" });
  assert.deepEqual(carol.take(), [
    {
      type: "presence:update",
      payload: { userId: "alice", online: true, inCall: false },
    },
    {
      type: "presence:update",
      payload: { userId: "bob", online: true, inCall: false },
    },
  ]);
});
