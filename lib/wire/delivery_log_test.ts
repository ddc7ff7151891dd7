import assert from "node:assert/strict";
import { DeliveryLog } from "./delivery_log.ts";

Deno.test("delivery log: numbering from 1, cumulative acknowledgement, what is left to send again", () => {
  const log = new DeliveryLog<string>();
  assert.equal(log.add("a", 1), 1);
  assert.equal(log.add("b", 1), 2);
  assert.equal(log.add("c", 1), 3);
  log.acked(2);
  assert.deepEqual(log.unacked(), [{ seq: 3, message: "c", size: 1 }]);
  log.acked(1);
  assert.equal(log.unacked().length, 1, "an older ack changes nothing");
  log.acked(9);
  assert.equal(log.unacked().length, 1, "an ack past what was sent is ignored");
  log.acked(3);
  assert.equal(log.waiting, false);
});

Deno.test("delivery log: each of the other side's messages taken once, in order", () => {
  const log = new DeliveryLog<string>();
  assert.equal(log.arrived(1), "next");
  assert.equal(log.arrived(1), "duplicate");
  assert.equal(log.arrived(3), "early");
  assert.equal(log.arrived(2), "next");
  assert.equal(log.received, 2);
  assert.equal(log.ackDue, true);
  assert.equal(log.acknowledge(), 2);
  assert.equal(log.ackDue, false);
  assert.equal(log.arrived(2), "duplicate");
});

Deno.test("delivery log: past its count or bytes nothing more is kept; a reset hands back what was unacknowledged", () => {
  const log = new DeliveryLog<string>({ messages: 2, bytes: 10 });
  assert.equal(log.add("a", 4), 1);
  assert.equal(log.add("b", 4), 2);
  assert.equal(log.add("c", 1), null, "count");
  log.acked(1);
  assert.equal(log.add("big", 7), null, "bytes");
  assert.equal(log.add("c", 6), 3);
  log.arrived(1);
  assert.deepEqual(log.reset(), ["b", "c"]);
  assert.equal(log.received, 0);
  assert.equal(log.add("d", 1), 1, "numbered anew");
});
