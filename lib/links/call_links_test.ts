import assert from "node:assert/strict";
import { KvAccountStore } from "../accounts/kv_store.ts";
import { AccountError } from "../accounts/account_error.ts";
import { CallLinks, guestIdOf, linkIdOf } from "./call_links.ts";
import type { LinkRefusal } from "../wire/link_api.ts";

/** The rules over a real Deno KV in memory, on a clock the test moves. */
async function links(max = 2) {
  const store = new KvAccountStore(await Deno.openKv(":memory:"));
  const clock = { now: 1_000_000 };
  const dismissed: [string, LinkRefusal][] = [];
  const rules = new CallLinks({
    store: () => store.links,
    maxLinks: max,
    dismiss: (guestId, why) => dismissed.push([guestId, why]),
    now: () => clock.now,
  });
  return { rules, store, clock, dismissed };
}

Deno.test("call links: made with a label and a duration in bounds, up to the limit; the secret is kept only as its hash", async () => {
  const { rules, store } = await links();
  try {
    for (
      const bad of [
        { label: "", hours: 1 },
        { label: " \u0007 ", hours: 1 },
        { label: "x".repeat(41), hours: 1 },
        { label: "ok", hours: 0 },
        { label: "ok", hours: 721 },
        { label: "ok", hours: 1.5 },
      ]
    ) {
      await assert.rejects(
        rules.create("alice", bad),
        (error) => error instanceof AccountError && error.status === 400,
      );
    }
    const made = await rules.create("alice", { label: " Gran ", hours: 2 });
    assert.match(made.secret, /^[\w-]{24}$/);
    assert.equal(made.link.label, "Gran");
    assert.equal(made.link.expiresAt - made.link.createdAt, 7_200_000);
    const kept = await store.links.get(made.link.id);
    assert.ok(kept && !JSON.stringify(kept).includes(made.secret));
    await rules.create("alice", { label: "Two", hours: 1 });
    await assert.rejects(
      rules.create("alice", { label: "Three", hours: 1 }),
      (error) => error instanceof AccountError && error.status === 409,
    );
  } finally {
    store.close();
  }
});

Deno.test("call links: a link lets in until it expires, is revoked or is used up; a one-call link takes one device", async () => {
  const { rules, store, clock, dismissed } = await links(10);
  try {
    assert.deepEqual(await rules.look("x".repeat(24)), { refused: "wrong" });
    assert.deepEqual(await rules.look("short"), { refused: "wrong" });
    const hour = await rules.create("alice", { label: "Hour", hours: 1 });
    const guest = guestIdOf(hour.link.id);
    assert.equal(linkIdOf(guest), hour.link.id);
    assert.equal(linkIdOf("alice"), null);
    assert.ok("link" in await rules.admit(hour.secret, "phone"));
    assert.ok("link" in await rules.admit(hour.secret, "laptop"));
    assert.equal(await rules.mayRing(guest, "bob"), false);
    assert.equal(await rules.mayRing(guest, "alice"), true);
    assert.equal((await rules.list("alice"))[0].usedAt, clock.now);
    clock.now += 3_600_000;
    assert.deepEqual(await rules.look(hour.secret), { refused: "expired" });
    assert.equal(await rules.mayRing(guest, "alice"), false);
    assert.deepEqual(await rules.list("alice"), []);

    const once = await rules.create("alice", {
      label: "Once",
      hours: 1,
      once: true,
    });
    const onceGuest = guestIdOf(once.link.id);
    assert.ok("link" in await rules.admit(once.secret, "phone"));
    assert.deepEqual(await rules.admit(once.secret, "laptop"), {
      refused: "used",
    });
    assert.ok("link" in await rules.admit(once.secret, "phone"));
    await rules.callEnded(onceGuest);
    assert.deepEqual(dismissed, [[onceGuest, "used"]]);
    assert.deepEqual(await rules.admit(once.secret, "phone"), {
      refused: "used",
    });
    assert.equal(await rules.refusalOf(onceGuest), "used");

    const kept = await rules.create("alice", { label: "Kept", hours: 1 });
    await rules.callEnded(guestIdOf(kept.link.id));
    assert.equal(await rules.refusalOf(guestIdOf(kept.link.id)), null);
    assert.equal(await rules.revoke("bob", kept.link.id), false);
    assert.equal(await rules.revoke("alice", kept.link.id), true);
    assert.equal(await rules.revoke("alice", kept.link.id), false);
    assert.deepEqual(dismissed.at(-1), [guestIdOf(kept.link.id), "revoked"]);
    assert.deepEqual(await rules.look(kept.secret), { refused: "revoked" });
    assert.deepEqual(await rules.list("alice"), []);
  } finally {
    store.close();
  }
});
