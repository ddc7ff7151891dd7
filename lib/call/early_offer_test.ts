/**
 * Preparing a call while it rings, on the call machine over fake browser
 * parts: the caller's offer goes with the ring, the callee takes it without
 * answering, and nothing of the callee leaves before Accept; declining
 * releases what was prepared; an older callee that did not take the offer
 * gets it again on its answer.
 * @module
 */
import assert from "node:assert/strict";
import { ANSWER_TIMEOUT_MS, CONNECT_TIMEOUT_MS } from "./peer_link.ts";
import { setup } from "../../tests/support/machine_fixture.ts";

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
