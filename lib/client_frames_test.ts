/**
 * Reading client frames: the seed's messages accepted as written, extension
 * fields kept, and every malformed frame of the shared table refused with
 * its code.
 * @module
 */
import assert from "node:assert/strict";
import { parseClientFrame } from "./client_frames.ts";
import { BAD_FRAMES } from "../tests/support/bad_frames.ts";

const offer = { type: "offer", sdp: "v=0" };
const candidate = {
  candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
  sdpMid: "0",
  sdpMLineIndex: 0,
};

Deno.test("client frames: the six seed messages are accepted as the seed writes them", () => {
  const frames = [
    {
      type: "call:request",
      payload: { from: "alice", to: "bob", hasVideo: true, hasAudio: true },
    },
    {
      type: "call:response",
      payload: { from: "bob", to: "alice", accepted: false },
    },
    { type: "webrtc:offer", payload: { from: "alice", to: "bob", offer } },
    {
      type: "webrtc:answer",
      payload: {
        from: "bob",
        to: "alice",
        answer: { type: "answer", sdp: "v=0" },
      },
    },
    {
      type: "webrtc:candidate",
      payload: { from: "alice", to: "bob", candidate },
    },
    { type: "call:end", payload: { from: "alice", to: "bob" } },
  ];
  for (const frame of frames) {
    const result = parseClientFrame(JSON.stringify(frame));
    assert.ok(result.ok, `${frame.type}: ${!result.ok && result.message}`);
    assert.deepEqual(result.message, frame);
  }
});

Deno.test("client frames: extension fields travel on; from is optional", () => {
  const result = parseClientFrame(JSON.stringify({
    type: "call:end",
    payload: { to: "bob", reason: "hangup", deviceId: "tab-2" },
  }));
  assert.ok(result.ok);
  assert.deepEqual(result.message.payload, {
    to: "bob",
    reason: "hangup",
    deviceId: "tab-2",
  });
});

Deno.test("client frames: every bad frame in the shared table gets its error code", async (t) => {
  for (const [name, frame, code] of BAD_FRAMES) {
    await t.step(name, () => {
      const result = parseClientFrame(frame);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.code, code);
      assert.ok(!result.ok && result.message.length > 0);
    });
  }
});

Deno.test("client frames: a validation error names the field", () => {
  const result = parseClientFrame(
    JSON.stringify({
      type: "call:request",
      payload: { to: "bob", hasVideo: 1, hasAudio: true },
    }),
  );
  assert.equal(result.ok, false);
  assert.match(!result.ok ? result.message : "", /payload\.hasVideo/);
  assert.equal(!result.ok && result.inReplyTo, "call:request");
});
