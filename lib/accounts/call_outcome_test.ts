import assert from "node:assert/strict";
import type { EndReason } from "../wire/protocol.ts";
import { durationOf, outcomeOf } from "./call_outcome.ts";

Deno.test("call outcome: each end reads as the six outcomes, per side", () => {
  const unanswered = (
    reason: EndReason,
  ) => [
    outcomeOf({ answeredAt: null, reason }, "caller"),
    outcomeOf({ answeredAt: null, reason }, "callee"),
  ];
  assert.deepEqual(unanswered("declined"), ["declined", "declined"]);
  assert.deepEqual(unanswered("busy"), ["busy", "busy"]);
  assert.deepEqual(unanswered("cancelled"), ["cancelled", "missed"]);
  assert.deepEqual(unanswered("no-answer"), ["missed", "missed"]);
  assert.deepEqual(unanswered("peer-gone"), ["failed", "failed"]);
  const answered = (reason: EndReason) =>
    outcomeOf({ answeredAt: 1, reason }, "caller");
  assert.equal(answered("hangup"), "answered");
  assert.equal(answered("ice-failed"), "failed");
  assert.equal(answered("peer-gone"), "failed");
});

Deno.test("call outcome: the duration counts from the answer, in whole seconds", () => {
  assert.equal(durationOf({ answeredAt: null, endedAt: 9_000 }), 0);
  assert.equal(durationOf({ answeredAt: 1_000, endedAt: 62_600 }), 62);
});
