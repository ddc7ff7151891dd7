import assert from "node:assert/strict";
import {
  ERROR_CODES,
  isUserId,
  MAX_FRAME_BYTES,
  parseClientFrame,
} from "./protocol.ts";

const offer = { type: "offer", sdp: "v=0" };
const candidate = {
  candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
  sdpMid: "0",
  sdpMLineIndex: 0,
};

Deno.test("the six seed messages are accepted as the seed writes them", () => {
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

Deno.test("extension fields travel on; from is optional", () => {
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

Deno.test("every bad frame gets its error code", async (t) => {
  const cases: [string, string, keyof typeof ERROR_CODES][] = [
    ["not JSON", "{nope", "invalid-json"],
    ["empty frame", "", "invalid-json"],
    ["a JSON string", '"hello"', "invalid-message"],
    ["a JSON array", "[]", "invalid-message"],
    ["null", "null", "invalid-message"],
    ["no type", JSON.stringify({ payload: {} }), "invalid-message"],
    [
      "numeric type",
      JSON.stringify({ type: 7, payload: {} }),
      "invalid-message",
    ],
    [
      "unknown type",
      JSON.stringify({ type: "call:teleport", payload: {} }),
      "unknown-type",
    ],
    [
      "prototype key as type",
      JSON.stringify({ type: "__proto__", payload: {} }),
      "unknown-type",
    ],
    ["no payload", JSON.stringify({ type: "call:end" }), "invalid-message"],
    [
      "payload is a string",
      JSON.stringify({ type: "call:end", payload: "bob" }),
      "invalid-message",
    ],
    [
      "missing to",
      JSON.stringify({ type: "call:end", payload: {} }),
      "invalid-message",
    ],
    [
      "to is a number",
      JSON.stringify({ type: "call:end", payload: { to: 5 } }),
      "invalid-message",
    ],
    [
      "to is empty",
      JSON.stringify({ type: "call:end", payload: { to: "" } }),
      "invalid-message",
    ],
    [
      "to is 65 chars",
      JSON.stringify({ type: "call:end", payload: { to: "a".repeat(65) } }),
      "invalid-message",
    ],
    [
      "to has a space",
      JSON.stringify({ type: "call:end", payload: { to: "bob smith" } }),
      "invalid-message",
    ],
    [
      "to has odd Unicode",
      JSON.stringify({ type: "call:end", payload: { to: "bob\u202e" } }),
      "invalid-message",
    ],
    [
      "hasVideo is a string",
      JSON.stringify({
        type: "call:request",
        payload: { to: "bob", hasVideo: "yes", hasAudio: true },
      }),
      "invalid-message",
    ],
    [
      "accepted missing",
      JSON.stringify({ type: "call:response", payload: { to: "bob" } }),
      "invalid-message",
    ],
    [
      "unknown reason",
      JSON.stringify({
        type: "call:end",
        payload: { to: "bob", reason: "bored" },
      }),
      "invalid-message",
    ],
    [
      "offer without type",
      JSON.stringify({
        type: "webrtc:offer",
        payload: { to: "bob", offer: { sdp: "v=0" } },
      }),
      "invalid-message",
    ],
    [
      "offer sdp too long",
      JSON.stringify({
        type: "webrtc:offer",
        payload: {
          to: "bob",
          offer: { type: "offer", sdp: "x".repeat(60_001) },
        },
      }),
      "invalid-message",
    ],
    [
      "candidate is a string",
      JSON.stringify({
        type: "webrtc:candidate",
        payload: { to: "bob", candidate: "c" },
      }),
      "invalid-message",
    ],
    [
      "candidate line index negative",
      JSON.stringify({
        type: "webrtc:candidate",
        payload: { to: "bob", candidate: { sdpMLineIndex: -1 } },
      }),
      "invalid-message",
    ],
    [
      "from is not a string",
      JSON.stringify({ type: "call:end", payload: { to: "bob", from: {} } }),
      "invalid-message",
    ],
    [
      "over 64 KiB",
      JSON.stringify({
        type: "call:end",
        payload: { to: "bob", pad: "x".repeat(MAX_FRAME_BYTES) },
      }),
      "too-large",
    ],
    [
      "over 64 KiB in multibyte characters",
      JSON.stringify({
        type: "call:end",
        payload: { to: "bob", pad: "é".repeat(MAX_FRAME_BYTES / 2) },
      }),
      "too-large",
    ],
  ];
  for (const [name, frame, code] of cases) {
    await t.step(name, () => {
      const result = parseClientFrame(frame);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.code, code);
      assert.ok(!result.ok && result.message.length > 0);
    });
  }
});

Deno.test("a validation error names the field", () => {
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

Deno.test("user ids", () => {
  for (const id of ["a", "alice", "Bob.Smith_2~x-y", "x".repeat(64)]) {
    assert.ok(isUserId(id), id);
  }
  for (const id of ["", "x".repeat(65), "a b", "a/b", "ä", "a\n", 7, null]) {
    assert.ok(!isUserId(id), String(id));
  }
});
