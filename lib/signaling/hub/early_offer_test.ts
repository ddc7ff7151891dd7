/**
 * The caller's early offer, through the hub's public face: while a call
 * rings it reaches only the callee's devices that prepare calls; the
 * answering device's `prepared` reaches the caller; after the answer the
 * call's signaling is between the two devices only.
 * @module
 */
import assert from "node:assert/strict";
import { hubFixture } from "../../../tests/support/hub_fixture.ts";

Deno.test("hub: the caller's offer and candidates while ringing reach the callee's preparing devices only; the answer's `prepared` reaches the caller", async () => {
  const s = hubFixture();
  const alice = await s.join("alice");
  const phone = await s.join("bob", "phone", { prepares: true });
  const laptop = await s.join("bob", "laptop", { prepares: true });
  const old = await s.join("bob", "old");
  const carol = await s.join("carol", "carol", { prepares: true });
  for (const x of [alice, phone, laptop, old, carol]) x.socket.take();
  await s.frame(alice.session, "call:request", {
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  for (const x of [phone, laptop, old]) x.socket.take();
  const early = [
    ["webrtc:offer", { to: "bob", offer: { type: "offer", sdp: "v=0" } }],
    ["webrtc:candidate", { to: "bob", candidate: { candidate: "c1" } }],
  ] as const;
  for (const [type, payload] of early) {
    await s.frame(alice.session, type, payload);
  }
  for (const device of [phone, laptop]) {
    assert.deepEqual(
      device.socket.take().map((
        m,
      ) => [m.type, "from" in m.payload && m.payload.from]),
      [["webrtc:offer", "alice"], ["webrtc:candidate", "alice"]],
    );
  }
  assert.deepEqual(old.socket.take(), []);
  assert.deepEqual(carol.socket.take(), []);
  assert.deepEqual(alice.socket.take(), []);

  await s.frame(phone.session, "call:response", {
    to: "alice",
    accepted: true,
    prepared: true,
  });
  const [response] = alice.socket.take().filter((m) =>
    m.type === "call:response"
  );
  assert.deepEqual(response.payload, {
    from: "bob",
    to: "alice",
    accepted: true,
    prepared: true,
  });
  for (const x of [phone, laptop, old]) x.socket.take();
  await s.frame(phone.session, "webrtc:answer", {
    to: "alice",
    answer: { type: "answer", sdp: "v=0" },
  });
  assert.deepEqual(alice.socket.take().map((m) => m.type), ["webrtc:answer"]);
  await s.frame(alice.session, "webrtc:candidate", {
    to: "bob",
    candidate: { candidate: "c2" },
  });
  assert.deepEqual(phone.socket.take().map((m) => m.type), [
    "webrtc:candidate",
  ]);
  assert.deepEqual(laptop.socket.take(), []);
});

Deno.test("hub: a `prepared` that is not a boolean is refused as invalid-message", async () => {
  const s = hubFixture();
  const alice = await s.join("alice");
  const bob = await s.join("bob");
  await s.frame(alice.session, "call:request", {
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  bob.socket.take();
  await s.frame(bob.session, "call:response", {
    to: "alice",
    accepted: true,
    prepared: "yes",
  });
  const [reply] = bob.socket.take();
  assert.equal(reply.type === "error" && reply.payload.code, "invalid-message");
});
