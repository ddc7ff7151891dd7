/**
 * Preparing a call while it rings, on the call machine over fake browser
 * parts: the caller's offer goes with the ring, the callee takes it without
 * answering, and nothing of the callee leaves before Accept; declining
 * releases what was prepared; an older callee that did not take the offer
 * gets it again on its answer. The callee's camera and microphone start
 * while it rings, unless turned off.
 * @module
 */
import assert from "node:assert/strict";
import { ANSWER_TIMEOUT_MS, CONNECT_TIMEOUT_MS } from "./path_recovery.ts";
import { setup, setupWith } from "../../../tests/support/machine_fixture.ts";
import { memoryStore } from "../../../tests/support/memory_store.ts";

const OFFER = { type: "offer" as const, sdp: "v=0 early offer" };

/** bob calls alice, and his offer and a candidate arrive while it rings. */
async function ringingWithOffer() {
  const s = setup();
  s.server({
    type: "call:request",
    payload: { from: "bob", to: "alice", hasVideo: true, hasAudio: true },
  });
  s.server({
    type: "webrtc:offer",
    payload: { from: "bob", to: "alice", offer: OFFER },
  });
  s.server({
    type: "webrtc:candidate",
    payload: {
      from: "bob",
      to: "alice",
      candidate: { candidate: "candidate:1 1 udp 1 192.0.2.1 5000 typ host" },
    },
  });
  await s.settle();
  return s;
}

Deno.test("early offer: the callee takes the caller's offer while it rings, sends nothing, and answers the moment it accepts", async () => {
  const s = await ringingWithOffer();
  assert.equal(s.machine.state.value, "ringing");
  const [pc] = s.peers;
  assert.equal(pc.signalingState, "have-remote-offer");
  assert.equal(pc.localDescription, null);
  assert.equal(pc.config.iceCandidatePoolSize, 1);
  assert.equal(s.sent.length, 0, "nothing of the callee leaves before Accept");
  s.timers.advance(CONNECT_TIMEOUT_MS);
  assert.equal(s.machine.state.value, "ringing", "no path is awaited yet");

  await s.machine.accept();
  await s.settle();
  // The heartbeat's pings went meanwhile; they carry nothing of the call.
  const sent = s.sent.filter((m) => m.type !== "ping");
  assert.deepEqual(sent.map((m) => m.type), [
    "call:response",
    "webrtc:answer",
  ]);
  assert.deepEqual(sent[0].payload, {
    to: "bob",
    accepted: true,
    prepared: true,
  });
  assert.deepEqual(pc.senders.map((sender) => sender.track?.kind), [
    "audio",
    "video",
  ]);
  assert.equal(s.peers.length, 1, "the prepared connection is the call's");
});

Deno.test("early offer: declining releases what was prepared", async () => {
  const s = await ringingWithOffer();
  s.machine.decline();
  assert.equal(s.peers[0].closed, true);
  assert.deepEqual(s.sent.map((m) => m.type), ["call:response"]);
});

Deno.test("early offer: the caller's offer goes with the ring; an answer without `prepared` gets it again, one with it does not", async () => {
  for (const prepared of [false, true]) {
    const s = setup();
    await s.machine.call("bob", true);
    await s.settle();
    assert.deepEqual(s.sent.map((m) => m.type), [
      "call:request",
      "webrtc:offer",
    ]);
    s.timers.advance(ANSWER_TIMEOUT_MS);
    s.timers.advance(CONNECT_TIMEOUT_MS);
    await s.settle();
    assert.equal(
      s.peers[0].iceRestarts,
      0,
      "no answer is awaited while ringing",
    );
    assert.equal(s.machine.state.value, "calling");
    s.server({
      type: "call:response",
      payload: {
        from: "bob",
        to: "alice",
        accepted: true,
        ...(prepared && { prepared }),
      },
    });
    await s.settle();
    const offers = s.sent.filter((m) => m.type === "webrtc:offer");
    assert.equal(offers.length, prepared ? 1 : 2);
    assert.deepEqual(offers.at(-1), offers[0]);
    assert.equal(s.peers.length, 1);
  }
});

/** bob calls alice, whose page starts its devices while it rings. */
function ringingWithDevicesOn() {
  const s = setupWith({ store: memoryStore() });
  s.server({
    type: "call:request",
    payload: { from: "bob", to: "alice", hasVideo: true, hasAudio: true },
  });
  return s;
}

Deno.test("devices on ring: the camera and microphone start while it rings, Accept uses them, and nothing is sent before Accept", async () => {
  const s = ringingWithDevicesOn();
  assert.deepEqual(s.media.requests, [{ video: true, audio: true }]);
  await s.settle();
  assert.notEqual(s.machine.media.stream.value, null);
  assert.equal(s.sent.length, 0);
  await s.machine.accept();
  await s.settle();
  assert.equal(s.media.requests.length, 1, "Accept opens nothing more");
  assert.equal(s.machine.state.value, "active");
});

Deno.test("devices on ring: declining, or a ring that ends, releases what started", async () => {
  for (const end of ["decline", "cancelled", "no-answer"] as const) {
    const s = ringingWithDevicesOn();
    await s.settle();
    if (end === "decline") s.machine.decline();
    else {
      s.server({
        type: "call:end",
        payload: { from: "bob", to: "alice", reason: end },
      });
    }
    for (const track of s.media.tracks()) {
      assert.equal(track.readyState, "ended", end);
    }
    assert.equal(s.machine.media.stream.value, null);
  }
});

Deno.test("devices on ring: Accept pressed while they are still starting waits for them instead of opening them twice", async () => {
  const s = ringingWithDevicesOn();
  await s.machine.accept();
  assert.equal(s.media.requests.length, 1);
  assert.equal(s.machine.state.value, "active");
});

Deno.test("devices on ring: turned off, nothing starts before Accept, and the choice is remembered", () => {
  const store = memoryStore();
  const s = setupWith({ store });
  s.machine.media.setStartOnRing(false);
  assert.equal(store.getItem("nexus-call.start-on-ring"), "off");
  s.server({
    type: "call:request",
    payload: { from: "bob", to: "alice", hasVideo: true, hasAudio: true },
  });
  assert.equal(s.media.requests.length, 0);
  assert.equal(setupWith({ store }).machine.media.startOnRing.value, false);
});
