/**
 * The hub, through its public face with fake sockets and manual timers:
 * resuming calls after the server restarted.
 * @module
 */
import assert from "node:assert/strict";
import {
  GRACE_MS,
  hubFixture,
  tick,
} from "../../../tests/support/hub_fixture.ts";

Deno.test("hub: after a server restart, a call both parties resume is restored; one nobody resumes ends", async () => {
  const t = hubFixture();
  const alice = await t.join("alice", "a1");
  const bob = await t.join("bob", "b1");
  await t.frame(alice.session, "call:resume", { to: "bob" });
  assert.equal(t.hub.calls.size, 0, "one side alone is not a call");
  await t.frame(bob.session, "call:resume", { to: "alice" });
  assert.equal(t.hub.calls.between("alice", "bob")?.phase, "active");
  await t.frame(bob.session, "call:end", { to: "alice" });
  assert.equal(
    alice.socket.take().at(-1)?.type,
    "call:end",
    "the restored call hangs up",
  );

  const carol = await t.join("carol");
  await t.frame(carol.session, "call:resume", { to: "dave" });
  t.timers.advance(GRACE_MS);
  await tick();
  assert.deepEqual(carol.socket.take().at(-1), {
    type: "call:end",
    payload: { from: "dave", to: "carol", reason: "peer-gone" },
  });
});
