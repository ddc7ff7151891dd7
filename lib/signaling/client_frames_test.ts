/**
 * Reading client frames: the seed's messages accepted as written, extension
 * fields kept, and every malformed frame of the shared table refused with
 * its code.
 * @module
 */
import assert from "node:assert/strict";
import type * as v from "valibot";
import type { ClientPayloads, ClientType } from "../wire/protocol.ts";
import {
  clientPayloads,
  MAX_PAYLOAD_VALUES,
  parseClientFrame,
} from "./client_frames.ts";
import { BAD_FRAMES } from "../../tests/support/bad_frames.ts";

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

Deno.test("client frames: the shape cap counts values as SECURITY.md does: 256 fields and items at any depth", async (t) => {
  const request = (extra: Record<string, unknown>) =>
    JSON.stringify({
      type: "call:end",
      payload: { to: "bob", ...extra },
    });
  const fields = (n: number) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]));
  // `to` is the payload's first value; the rest fill it to the cap or one past.
  const cases: [string, Record<string, unknown>, boolean][] = [
    ["256 fields", fields(MAX_PAYLOAD_VALUES - 1), true],
    ["257 fields", fields(MAX_PAYLOAD_VALUES), false],
    // The array's field is one value, each item another.
    [
      "256 values of array items",
      { a: Array(MAX_PAYLOAD_VALUES - 2).fill(1) },
      true,
    ],
    [
      "257 values of array items",
      { a: Array(MAX_PAYLOAD_VALUES - 1).fill(1) },
      false,
    ],
    ["390 values of array items", { a: Array(388).fill([]) }, false],
    ["items of strings, objects and arrays", {
      a: Array(MAX_PAYLOAD_VALUES - 2).fill(0).map((_, i) =>
        [",", {}, [], "]"][i % 4]
      ),
    }, true],
    // The payload is the first level.
    ["nested 8 deep", {
      a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } },
    }, true],
    ["nested 9 deep", {
      a: { b: { c: { d: { e: { f: { g: { h: [1] } } } } } } },
    }, false],
  ];
  for (const [name, extra, accepted] of cases) {
    await t.step(name, () => {
      const result = parseClientFrame(request(extra));
      assert.equal(result.ok, accepted, JSON.stringify(result));
    });
  }
});

// Loose schemas infer an index signature; the protocol names the known fields.
type KnownFields<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SchemaOutput<T extends ClientType> = KnownFields<
  v.InferOutput<typeof clientPayloads[T]>
>;

Deno.test("client frames: each schema reads exactly the payload the protocol declares", () => {
  // Checked by the compiler: a field the schema and docs/protocol.md's
  // types disagree on makes `true` unassignable here.
  const agree: { [T in ClientType]: Same<SchemaOutput<T>, ClientPayloads[T]> } =
    {
      "call:request": true,
      "call:response": true,
      "webrtc:offer": true,
      "webrtc:answer": true,
      "webrtc:candidate": true,
      "call:end": true,
      ping: true,
      ack: true,
      "call:resume": true,
    };
  assert.deepEqual(
    Object.keys(agree).sort(),
    Object.keys(clientPayloads).sort(),
  );
});
