/**
 * The hub, through its public face with fake sockets and manual timers:
 * glare: both users calling each other at once.
 * @module
 */
import assert from "node:assert/strict";
import { hubFixture } from "../../../tests/support/hub_fixture.ts";

Deno.test("hub: glare: two users calling each other at once end up in one call, the lower id's", async (t) => {
  for (const first of ["alice", "bob"]) {
    await t.step(`${first}'s request arrives first`, async () => {
      const s = hubFixture();
      const users = { alice: await s.join("alice"), bob: await s.join("bob") };
      const second = first === "alice" ? "bob" : "alice";
      await s.frame(users[first as "alice"].session, "call:request", {
        to: second,
        hasVideo: true,
        hasAudio: true,
      });
      await s.frame(users[second as "bob"].session, "call:request", {
        to: first,
        hasVideo: true,
        hasAudio: true,
      });
      const call = s.hub.calls.between("alice", "bob");
      assert.equal(call?.caller, "alice");
      assert.equal(call?.phase, "ringing");
      assert.equal(s.hub.calls.size, 1);
      const toBob = users.bob.socket.take();
      assert.ok(
        toBob.some((m) =>
          m.type === "call:request" && m.payload.from === "alice"
        ),
        "bob is rung by alice",
      );
      if (first === "bob") {
        assert.ok(
          toBob.some((m) =>
            m.type === "call:response" && m.payload.reason === "glare"
          ),
        );
      } else {
        assert.deepEqual(
          toBob.filter((m) => m.type === "call:response").map((m) => m.payload),
          [
            { from: "alice", to: "bob", accepted: false, reason: "glare" },
          ],
        );
      }
      await s.frame(users.bob.session, "call:response", {
        to: "alice",
        accepted: true,
      });
      assert.equal(s.hub.calls.between("alice", "bob")?.phase, "active");
    });
  }
});
