import assert from "node:assert/strict";
import { nextCall } from "./call.ts";
import { ringingCall } from "../../tests/support/calls.ts";
import { CallTable } from "./call_table.ts";

const ringing = ringingCall("alice", "bob");

Deno.test("call table: a call is found from either party, between exactly them", () => {
  const table = new CallTable();
  table.put(ringing);
  assert.equal(table.of("alice"), ringing);
  assert.equal(table.of("bob"), ringing);
  assert.equal(table.between("bob", "alice"), ringing);
  assert.equal(table.between("alice", "carol"), undefined);
  assert.equal(table.size, 1);
  assert.deepEqual(table.countByPhase(), { ringing: 1, active: 0 });
});

Deno.test("call table: a new state replaces the old; removal is by id, for both or one party", () => {
  const table = new CallTable();
  table.put(ringing);
  const active = nextCall(ringing, {
    phase: "active",
    calleeDevice: "phone",
    calleeInstance: "i2",
  });
  table.put(active);
  assert.equal(table.of("bob")?.version, 1);
  assert.deepEqual(table.countByPhase("i1"), { ringing: 0, active: 1 });
  assert.deepEqual(table.countByPhase("i2"), { ringing: 0, active: 0 });
  table.remove({ ...active, id: "another" });
  assert.equal(table.size, 1, "another call's removal leaves this one");
  table.remove(active, "bob");
  assert.equal(table.of("bob"), undefined);
  assert.equal(table.of("alice"), active);
  table.remove(ringing);
  assert.equal(table.size, 0, "any version of the call removes it");
});
