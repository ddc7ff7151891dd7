/**
 * The hub, through its public face with fake sockets and manual timers:
 * hanging up and cancelling.
 * @module
 */
import assert from "node:assert/strict";
import { ringingTwoDevices } from "../../../tests/support/hub_fixture.ts";

Deno.test("hub: a caller who cancels reaches each of the callee's ringing devices once", async () => {
  const t = await ringingTwoDevices();
  const { alice, phone, laptop } = t;
  await t.frame(alice.session, "call:end", { to: "bob" });
  for (const device of [phone, laptop]) {
    assert.deepEqual(device.socket.take(), [
      {
        type: "call:end",
        payload: { to: "bob", from: "alice", reason: "cancelled" },
      },
    ]);
  }
});
