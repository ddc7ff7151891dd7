/**
 * The hub, through its public face with fake sockets and manual timers:
 * answering: accept or decline, on one device of many.
 * @module
 */
import assert from "node:assert/strict";
import {
  hubFixture,
  ringingTwoDevices,
} from "../../../tests/support/hub_fixture.ts";

Deno.test("hub: declining frees both users", async () => {
  const { hub, join, frame } = hubFixture();
  const alice = await join("alice");
  const bob = await join("bob");
  await frame(alice.session, "call:request", {
    to: "bob",
    hasVideo: false,
    hasAudio: true,
  });
  await frame(bob.session, "call:response", {
    to: "alice",
    accepted: false,
    reason: "declined",
  });
  assert.equal(alice.socket.take().at(-1)?.type, "call:response");
  assert.equal(hub.calls.size, 0);
});

Deno.test("hub: many devices: every device rings, the first to answer gets the call", async () => {
  const t = await ringingTwoDevices();
  const { alice, phone, laptop } = t;
  assert.equal(t.rang.phone.at(-1)?.type, "call:request");
  assert.equal(t.rang.laptop.at(-1)?.type, "call:request");
  const tablet = await t.join("bob", "tablet");
  await t.frame(laptop.session, "call:response", {
    to: "alice",
    accepted: true,
  });
  assert.equal(alice.socket.takeCalls().at(-1)?.type, "call:response");
  for (const device of [phone, tablet]) {
    assert.deepEqual(device.socket.takeCalls(), [
      {
        type: "call:end",
        payload: { from: "alice", to: "bob", reason: "answered-elsewhere" },
      },
    ]);
  }
  await t.frame(phone.session, "call:response", {
    to: "alice",
    accepted: true,
  });
  assert.equal(
    (phone.socket.takeCalls()[0] as { payload: { code: string } }).payload.code,
    "not-in-call",
  );
  await t.frame(phone.session, "webrtc:candidate", {
    to: "alice",
    candidate: {},
  });
  assert.equal(
    (phone.socket.takeCalls()[0] as { payload: { code: string } }).payload.code,
    "not-in-call",
  );
  await t.frame(alice.session, "webrtc:offer", {
    to: "bob",
    offer: { type: "offer", sdp: "v=0" },
  });
  assert.equal(
    laptop.socket.takeCalls().at(-1)?.type,
    "webrtc:offer",
    "signaling goes to the device that answered",
  );
  assert.deepEqual(phone.socket.takeCalls(), []);
  assert.deepEqual(tablet.socket.takeCalls(), []);
});

Deno.test("hub: many devices: a decline on one declines the call everywhere", async () => {
  const t = await ringingTwoDevices();
  const { alice, phone, laptop } = t;
  await t.frame(phone.session, "call:response", {
    to: "alice",
    accepted: false,
    reason: "declined",
  });
  assert.equal(
    (alice.socket.take().at(-1) as { payload: { accepted: boolean } }).payload
      .accepted,
    false,
  );
  assert.deepEqual(laptop.socket.take(), [
    {
      type: "call:end",
      payload: { from: "alice", to: "bob", reason: "declined" },
    },
  ]);
  assert.equal(t.hub.calls.size, 0);
});
