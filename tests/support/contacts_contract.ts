/**
 * The contract every contact store keeps, as test steps: run inside the
 * accounts store's contract against each real database. Test-only.
 * @module
 */
import assert from "node:assert/strict";
import type { ContactStore } from "../../lib/accounts/contact_store.ts";

/** Runs the contacts contract as steps of `t`; `id` makes ids unique to this run. */
export async function contactsContract(
  t: Deno.TestContext,
  store: ContactStore,
  id: (name: string) => string,
): Promise<void> {
  const [alice, bob, carol] = [id("alice"), id("bob"), id("carol")];
  await t.step(
    "a contact is kept both ways round: whom I added, who added me",
    async () => {
      await store.addContact(alice, bob, 1);
      await store.addContact(alice, carol, 2);
      await store.addContact(carol, bob, 3);
      // Adding again changes nothing.
      await store.addContact(alice, bob, 4);
      assert.deepEqual(await store.contacts(alice), [bob, carol]);
      assert.deepEqual(await store.addedBy(bob), [alice, carol]);
      assert.deepEqual(await store.contacts(bob), []);
      assert.equal(await store.removeContact(alice, bob), true);
      assert.equal(await store.removeContact(alice, bob), false);
      assert.deepEqual(await store.contacts(alice), [carol]);
      assert.deepEqual(await store.addedBy(bob), [carol]);
    },
  );
  await t.step(
    "blocks, who may call, and a caller's standing read in one step",
    async () => {
      assert.equal(await store.whoMayCall(bob), "contacts");
      assert.deepEqual(await store.standing(bob, carol), {
        whoMayCall: "contacts",
        isContact: false,
        isBlocked: false,
      });
      await store.addContact(bob, carol, 5);
      await store.block(bob, carol, 6);
      await store.setWhoMayCall(bob, "anyone");
      assert.deepEqual(await store.standing(bob, carol), {
        whoMayCall: "anyone",
        isContact: true,
        isBlocked: true,
      });
      assert.deepEqual(await store.blocked(bob), [carol]);
      assert.equal(await store.unblock(bob, carol), true);
      assert.equal(await store.unblock(bob, carol), false);
      assert.deepEqual(await store.blocked(bob), []);
      await store.setWhoMayCall(bob, "contacts");
      assert.equal((await store.standing(bob, carol)).whoMayCall, "contacts");
    },
  );
  await t.step("many changes at once lose none of them", async () => {
    const many = Array.from({ length: 20 }, (_, n) => id(`friend${n}`));
    await Promise.all(
      many.map((friend, n) => store.addContact(id("dan"), friend, n)),
    );
    assert.deepEqual(await store.contacts(id("dan")), many.toSorted());
  });
}
