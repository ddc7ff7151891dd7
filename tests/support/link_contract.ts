/**
 * The contract every call link store keeps, as test steps: run by the
 * accounts store's contract against each real database. Test-only.
 * @module
 */
import assert from "node:assert/strict";
import type {
  CallLinkRecord,
  LinkStore,
} from "../../lib/accounts/link_store.ts";

/** A link of `owner` whose id is made of `name`. */
function aLink(owner: string, name: string, createdAt = Date.now()) {
  const id = name.padEnd(16, "0").slice(0, 16);
  return {
    v: 1,
    id,
    hash: id + "f".repeat(48),
    owner,
    label: name,
    createdAt,
    expiresAt: createdAt + 3_600_000,
    once: false,
    revokedAt: null,
    usedAt: null,
    claimedBy: null,
    spentAt: null,
  } satisfies CallLinkRecord;
}

/** Runs the call link contract as steps of `t`; `id` makes ids unique to this run. */
export async function linkContract(
  t: Deno.TestContext,
  store: LinkStore,
  id: (name: string) => string,
): Promise<void> {
  await t.step(
    "call links: kept by id, listed by owner within the limit, changed only from what was read, unlisted but kept",
    async () => {
      const owner = id("iris");
      const tag = crypto.randomUUID().slice(0, 6);
      const now = Date.now();
      const one = aLink(owner, `a${tag}`, now);
      const two = aLink(owner, `b${tag}`, now + 1);
      assert.equal(await store.add(one, 2), true);
      assert.equal(await store.add(two, 2), true);
      assert.equal(await store.add(aLink(owner, `c${tag}`), 2), false);
      assert.equal(await store.get(aLink(owner, `c${tag}`).id), null);
      assert.deepEqual(await store.get(one.id), one);
      assert.deepEqual((await store.list(owner)).map((link) => link.id), [
        one.id,
        two.id,
      ]);
      assert.deepEqual(await store.list(id("nobody")), []);
      // Two writers from the same read: one of them wins.
      const [first, second] = await Promise.all([
        store.replace(one, { ...one, claimedBy: "phone" }),
        store.replace(one, { ...one, claimedBy: "laptop" }),
      ]);
      assert.deepEqual([first, second].toSorted(), [false, true]);
      const claimed = await store.get(one.id);
      assert.ok(
        claimed?.claimedBy === "phone" || claimed?.claimedBy === "laptop",
      );
      assert.equal(await store.replace(one, { ...one, usedAt: now }), false);
      await store.unlist(owner, one.id);
      assert.deepEqual((await store.list(owner)).map((link) => link.id), [
        two.id,
      ]);
      assert.deepEqual(await store.get(one.id), claimed);
      // Room again for a new one.
      assert.equal(await store.add(aLink(owner, `c${tag}`), 2), true);
    },
  );
}
