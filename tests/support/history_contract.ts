/**
 * The contract every call history store keeps, as test steps: run inside
 * the accounts store's contract against each real database. Test-only.
 * @module
 */
import assert from "node:assert/strict";
import type { HistoryEntry } from "../../lib/wire/people_api.ts";
import type { CallHistoryStore } from "../../lib/accounts/call_history_store.ts";

/** An entry of `owner`'s history for `callId`, kept for an hour. */
export function anEntry(
  owner: string,
  callId: string,
  startedAt: number,
  changes: Partial<HistoryEntry> = {},
): HistoryEntry {
  return {
    v: 1,
    owner,
    callId,
    peer: "someone",
    direction: "incoming",
    startedAt,
    durationS: 0,
    outcome: "missed",
    expiresAt: Date.now() + 3600_000,
    ...changes,
  };
}

/** Runs the history contract as steps of `t`; `id` makes ids unique to this run. */
export async function historyContract(
  t: Deno.TestContext,
  store: CallHistoryStore,
  id: (name: string) => string,
): Promise<void> {
  const owner = id("erin");
  await t.step(
    "an entry is written once per owner and call, listed newest first",
    async () => {
      const now = Date.now();
      assert.equal(await store.add(anEntry(owner, "c1", now - 2_000)), true);
      assert.equal(
        await store.add(anEntry(owner, "c1", now, { outcome: "answered" })),
        false,
      );
      // Two instances writing the same call at once: one of them wins.
      const both = await Promise.all([
        store.add(anEntry(owner, "c2", now - 1_000)),
        store.add(anEntry(owner, "c2", now - 1_000)),
      ]);
      assert.deepEqual(both.toSorted(), [false, true]);
      const entries = await store.entries(owner);
      assert.deepEqual(entries.map((entry) => entry.callId), ["c2", "c1"]);
      assert.equal(entries[1].outcome, "missed");
      assert.deepEqual(await store.entries(id("nobody")), []);
    },
  );
  await t.step(
    "an entry past its retention is not listed; clear empties one history only",
    async () => {
      await store.add(
        anEntry(owner, "old", Date.now() - 5_000, {
          expiresAt: Date.now() + 50,
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(
        (await store.entries(owner)).map((entry) => entry.callId),
        ["c2", "c1"],
      );
      const other = id("frank");
      await store.add(anEntry(other, "c1", Date.now()));
      assert.ok(await store.clear(owner) >= 2);
      assert.deepEqual(await store.entries(owner), []);
      assert.equal((await store.entries(other)).length, 1);
    },
  );
  await t.step("when missed calls were last looked at", async () => {
    assert.equal(await store.seenUntil(owner), 0);
    await store.markSeen(owner, 1234);
    assert.equal(await store.seenUntil(owner), 1234);
  });
}
