import assert from "node:assert/strict";
import { isUserId, newDeviceId } from "./protocol.ts";

Deno.test("protocol: user ids", () => {
  for (const id of ["a", "alice", "Bob.Smith_2~x-y", "x".repeat(64)]) {
    assert.ok(isUserId(id), id);
  }
  for (const id of ["", "x".repeat(65), "a b", "a/b", "ä", "a\n", 7, null]) {
    assert.ok(!isUserId(id), String(id));
  }
});

Deno.test("protocol: a device id is 18 of a-z 0-9, one per random number", () => {
  let n = 0;
  const id = newDeviceId(() => (n++ % 36) / 36);
  assert.equal(id, "abcdefghijklmnopqr");
  assert.match(newDeviceId(Math.random), /^[a-z0-9]{18}$/);
});
