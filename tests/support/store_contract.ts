/**
 * The contract every accounts store keeps, as test steps: run by the tests
 * of each implementation against a real database. Test-only.
 * @module
 */
import assert from "node:assert/strict";
import type {
  Account,
  Invite,
  Passkey,
  SignIn,
} from "../../lib/accounts/records.ts";
import { contactsContract } from "./contacts_contract.ts";
import { historyContract } from "./history_contract.ts";
import { pushContract } from "./push_contract.ts";
import { linkContract } from "./link_contract.ts";
import type { AccountStore } from "../../lib/accounts/store.ts";

const HOUR = 3600_000;

/** A fresh invite record; `userId` null lets the person choose. */
export function anInvite(
  codeHash: string,
  userId: string | null = null,
): Invite {
  const now = Date.now();
  return {
    v: 1,
    codeHash,
    userId,
    createdBy: "operator",
    createdAt: now,
    expiresAt: now + HOUR,
  };
}

function anAccount(userId: string): Account {
  return { v: 1, userId, createdAt: Date.now(), canInvite: false };
}

/** A passkey whose credential id is `name` within its account's: no two accounts share one. */
function aPasskey(userId: string, name: string): Passkey {
  return {
    v: 1,
    userId,
    credentialId: `${name}@${userId}`,
    publicKey: "pk",
    counter: 0,
    transports: ["internal"],
    label: "test",
    createdAt: Date.now(),
    lastUsedAt: null,
  };
}

function aSignIn(userId: string, idHash: string, ttl = HOUR): SignIn {
  const now = Date.now();
  return {
    v: 1,
    userId,
    idHash,
    createdAt: now,
    expiresAt: now + ttl,
    lastUsedAt: now,
    device: "test",
  };
}

/**
 * Runs the contract as steps of `t`; `open` opens the same database again
 * each time it is called (a restart of the server).
 */
export async function storeContract(
  t: Deno.TestContext,
  open: () => Promise<AccountStore>,
): Promise<void> {
  const store = await open();
  const unique = crypto.randomUUID().slice(0, 8);
  const id = (name: string) => `${name}-${unique}`;
  try {
    await t.step(
      "an invite makes one account with its passkey, once",
      async () => {
        await store.createInvite(anInvite(id("code1")));
        assert.ok(await store.invite(id("code1")));
        const alice = anAccount(id("alice"));
        assert.equal(
          await store.register(
            id("code1"),
            alice,
            aPasskey(alice.userId, "k1"),
            Date.now(),
          ),
          null,
        );
        assert.deepEqual(await store.account(alice.userId), alice);
        assert.equal(
          (await store.passkey(alice.userId, `k1@${alice.userId}`))?.counter,
          0,
        );
        assert.equal(
          await store.invite(id("code1")),
          null,
          "the invite is used up",
        );
        assert.equal(
          await store.register(
            id("code1"),
            anAccount(id("eve")),
            aPasskey(id("eve"), "k9"),
            Date.now(),
          ),
          "invite-invalid",
        );
      },
    );
    await t.step(
      "two people racing for one invite: exactly one account",
      async () => {
        await store.createInvite(anInvite(id("race")));
        const results = await Promise.all(
          ["r1", "r2", "r3", "r4"].map((name) =>
            store.register(
              id("race"),
              anAccount(id(name)),
              aPasskey(id(name), "k"),
              Date.now(),
            )
          ),
        );
        assert.equal(
          results.filter((result) => result === null).length,
          1,
          String(results),
        );
        assert.ok(
          results.every((result) =>
            result === null || result === "invite-invalid"
          ),
        );
      },
    );
    await t.step(
      "two invites racing for one id: exactly one wins, the other hears it is taken",
      async () => {
        await store.createInvite(anInvite(id("a")));
        await store.createInvite(anInvite(id("b")));
        const results = await Promise.all(
          [id("a"), id("b")].map((code) =>
            store.register(
              code,
              anAccount(id("bob")),
              aPasskey(id("bob"), code),
              Date.now(),
            )
          ),
        );
        assert.deepEqual(results.toSorted(), [null, "id-taken"].toSorted());
      },
    );
    await t.step(
      "single sign-on makes an account once; racing sign-ins find the same one",
      async () => {
        const user = id("sso");
        const made = await Promise.all(
          [1, 2, 3].map((n) =>
            store.ensureAccount({ ...anAccount(user), createdAt: n })
          ),
        );
        assert.equal(new Set(made.map((account) => account.createdAt)).size, 1);
        assert.deepEqual(await store.account(user), made[0]);
        assert.deepEqual(await store.ensureAccount(anAccount(user)), made[0]);
      },
    );
    await t.step("an expired invite makes nothing", async () => {
      const invite = { ...anInvite(id("old")), expiresAt: Date.now() + 50 };
      await store.createInvite(invite);
      assert.equal(
        await store.register(
          id("old"),
          anAccount(id("late")),
          aPasskey(id("late"), "k"),
          Date.now() + 100,
        ),
        "invite-invalid",
      );
      assert.equal(await store.account(id("late")), null);
    });
    await t.step(
      "a challenge is taken once, and not after it expires",
      async () => {
        const record = {
          v: 1 as const,
          ceremony: { kind: "sign-in" as const },
          expiresAt: Date.now() + HOUR,
        };
        await store.putChallenge(id("ch"), record);
        const takes = await Promise.all(
          [1, 2, 3].map(() => store.takeChallenge(id("ch"))),
        );
        assert.deepEqual(takes.filter(Boolean), [record]);
        await store.putChallenge(id("short"), {
          ...record,
          expiresAt: Date.now() + 30,
        });
        await new Promise((resolve) => setTimeout(resolve, 60));
        assert.equal(await store.takeChallenge(id("short")), null);
      },
    );
    await t.step(
      "passkeys: a second one, a new counter, and never removing the last",
      async () => {
        const user = id("alice");
        const [k1, k2] = [`k1@${user}`, `k2@${user}`];
        assert.equal(await store.addPasskey(aPasskey(user, "k2")), true);
        await store.savePasskey({ ...aPasskey(user, "k1"), counter: 7 });
        assert.deepEqual(
          (await store.passkeys(user)).map((p) => p.credentialId).toSorted(),
          [k1, k2],
        );
        assert.equal((await store.passkey(user, k1))?.counter, 7);
        assert.equal(await store.removePasskey(user, k2), true);
        assert.equal(
          await store.removePasskey(user, k1),
          false,
          "the last passkey stays",
        );
        assert.equal(await store.removePasskey(user, "nope"), false);
        assert.equal((await store.passkeys(user)).length, 1);
      },
    );
    await t.step(
      "a credential id is one passkey's: adding or registering it again, to any account, is refused",
      async () => {
        const owner = id("owner");
        const known = aPasskey(owner, "k");
        await store.createInvite(anInvite(id("owner-invite")));
        assert.equal(
          await store.register(
            id("owner-invite"),
            anAccount(owner),
            known,
            Date.now(),
          ),
          null,
        );
        const forged = { ...known, publicKey: "the attacker's" };
        assert.equal(await store.addPasskey(forged), false, "same account");
        assert.equal(
          await store.addPasskey({ ...forged, userId: id("other") }),
          false,
          "another account",
        );
        await store.createInvite(anInvite(id("thief-invite")));
        assert.equal(
          await store.register(
            id("thief-invite"),
            anAccount(id("thief")),
            { ...forged, userId: id("thief") },
            Date.now(),
          ),
          "credential-taken",
        );
        assert.equal(await store.account(id("thief")), null);
        assert.equal(
          (await store.passkey(owner, known.credentialId))?.publicKey,
          "pk",
          "the real passkey is untouched",
        );
        // Removed, its id is free again.
        assert.equal(await store.addPasskey(aPasskey(owner, "k3")), true);
        assert.equal(
          await store.removePasskey(owner, known.credentialId),
          true,
        );
        assert.equal(await store.addPasskey(known), true);
      },
    );
    await t.step(
      "sign-ins: kept, listed, revoked one by one or all at once; expired ones are gone",
      async () => {
        const user = id("carol");
        await store.saveSignIn(aSignIn(user, "s1"));
        await store.saveSignIn(aSignIn(user, "s2"));
        await store.saveSignIn(aSignIn(user, "gone", 30));
        await new Promise((resolve) => setTimeout(resolve, 60));
        assert.equal(await store.signIn(user, "gone"), null);
        assert.deepEqual(
          (await store.signIns(user)).map((s) => s.idHash).toSorted(),
          ["s1", "s2"],
        );
        assert.equal(await store.revokeSignIn(user, "s1"), true);
        assert.equal(await store.signIn(user, "s1"), null);
        assert.equal(await store.revokeSignIn(user, "s1"), false);
        await store.saveSignIn(aSignIn(user, "s3"));
        assert.equal(await store.revokeSignIns(user), 2);
        assert.deepEqual(await store.signIns(user), []);
      },
    );
    await contactsContract(t, store.contacts, id);
    await historyContract(t, store.history, id);
    await pushContract(t, store.push, id);
    await linkContract(t, store.links, id);
    await t.step(
      "what was written is there after the store is opened again; the cookie key stays",
      async () => {
        const key = await store.cookieKey();
        assert.equal(key.length, 32);
        const again = await open();
        try {
          assert.deepEqual(await again.cookieKey(), key);
          assert.equal((await again.account(id("alice")))?.v, 1);
          assert.equal((await again.passkeys(id("alice"))).length, 1);
          assert.deepEqual(await again.contacts.contacts(id("alice")), [
            id("carol"),
          ]);
          assert.equal((await again.history.entries(id("frank"))).length, 1);
          assert.equal((await again.push.list(id("gina"))).length, 2);
        } finally {
          again.close();
        }
      },
    );
  } finally {
    store.close();
  }
}
