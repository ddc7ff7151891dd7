/**
 * The contract every push store keeps, as test steps: run by the accounts
 * store's contract against each real database. Test-only.
 * @module
 */
import assert from "node:assert/strict";
import type {
  PushStore,
  PushSubscriptionRecord,
} from "../../lib/accounts/push_store.ts";

/** A subscription record of `userId` for the endpoint named `name`. */
function aSubscription(
  userId: string,
  name: string,
  createdAt = Date.now(),
): PushSubscriptionRecord {
  return {
    v: 1,
    userId,
    endpointHash: `hash-${name}`,
    endpoint: `https://push.example.org/${name}`,
    keys: { p256dh: "p", auth: "a" },
    signIn: "s1",
    device: "Firefox on Linux",
    origin: "https://call.example.org",
    createdAt,
  };
}

/** Runs the push contract as steps of `t`; `id` makes ids unique to this run. */
export async function pushContract(
  t: Deno.TestContext,
  store: PushStore,
  id: (name: string) => string,
): Promise<void> {
  const owner = id("gina");
  await t.step(
    "subscriptions: kept per endpoint, replaced by the same endpoint, within the limit, removed once",
    async () => {
      const now = Date.now();
      assert.equal(await store.add(aSubscription(owner, "one", now), 2), true);
      assert.equal(
        await store.add(aSubscription(owner, "two", now + 1), 2),
        true,
      );
      // A third endpoint is past the limit; the same endpoint again is not.
      assert.equal(await store.add(aSubscription(owner, "three"), 2), false);
      const again = { ...aSubscription(owner, "one", now), device: "again" };
      assert.equal(await store.add(again, 2), true);
      const listed = await store.list(owner);
      assert.deepEqual(listed.map((r) => r.endpointHash), [
        "hash-one",
        "hash-two",
      ]);
      assert.equal(listed[0].device, "again");
      assert.deepEqual(await store.list(id("nobody")), []);
      assert.equal(await store.remove(owner, "hash-one"), true);
      assert.equal(await store.remove(owner, "hash-one"), false);
      // Room again for a new one.
      assert.equal(await store.add(aSubscription(owner, "three"), 2), true);
      // Two browsers at once for the last place: one of them gets it.
      const other = id("hank");
      await store.add(aSubscription(other, "a"), 2);
      const both = await Promise.all([
        store.add(aSubscription(other, "b"), 2),
        store.add(aSubscription(other, "c"), 2),
      ]);
      assert.deepEqual(both.toSorted(), [false, true]);
      assert.equal((await store.list(other)).length, 2);
    },
  );
  await t.step(
    "the VAPID keys: the first pair kept is everyone's",
    async () => {
      const first = { publicKey: "pub-1", privateKey: "priv-1" };
      const kept = await store.vapidKeys(first);
      const [a, b] = await Promise.all([
        store.vapidKeys({ publicKey: "pub-2", privateKey: "priv-2" }),
        store.vapidKeys({ publicKey: "pub-3", privateKey: "priv-3" }),
      ]);
      assert.deepEqual(a, kept);
      assert.deepEqual(b, kept);
    },
  );
}
