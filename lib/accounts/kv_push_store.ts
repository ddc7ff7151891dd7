/**
 * Push subscriptions on Deno KV: a key per account and endpoint, written
 * atomically with a check that the account's count stays within its limit.
 * @module
 */
import type {
  PushStore,
  PushSubscriptionRecord,
  VapidKeys,
} from "./push_store.ts";

const KEY = {
  subscription: (userId: string, endpointHash: string) => [
    "push",
    userId,
    endpointHash,
  ],
  subscriptions: (userId: string) => ["push", userId],
  count: (userId: string) => ["push-count", userId],
  vapid: ["vapid-keys"],
};

/** Push subscriptions in a Deno KV database (the accounts store's). */
export class KvPushStore implements PushStore {
  #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async add(record: PushSubscriptionRecord, max: number): Promise<boolean> {
    const key = KEY.subscription(record.userId, record.endpointHash);
    for (;;) {
      const [existing, count] = await this.#kv.getMany<[unknown, Deno.KvU64]>([
        key,
        KEY.count(record.userId),
      ]);
      const held = Number(count.value?.value ?? 0n);
      if (!existing.value && held >= max) return false;
      // The count moves only when a new endpoint comes; both checks make a
      // race between two browsers of the account one winner and a retry.
      const committed = await this.#kv.atomic()
        .check(existing, count)
        .set(key, record)
        .set(
          KEY.count(record.userId),
          new Deno.KvU64(BigInt(held + (existing.value ? 0 : 1))),
        )
        .commit();
      if (committed.ok) return true;
    }
  }

  async list(userId: string): Promise<PushSubscriptionRecord[]> {
    const records: PushSubscriptionRecord[] = [];
    for await (
      const entry of this.#kv.list<PushSubscriptionRecord>({
        prefix: KEY.subscriptions(userId),
      })
    ) records.push(entry.value);
    return records.sort((a, b) => a.createdAt - b.createdAt);
  }

  async remove(userId: string, endpointHash: string): Promise<boolean> {
    const key = KEY.subscription(userId, endpointHash);
    for (;;) {
      const [existing, count] = await this.#kv.getMany<[unknown, Deno.KvU64]>([
        key,
        KEY.count(userId),
      ]);
      if (!existing.value) return false;
      const held = Number(count.value?.value ?? 1n);
      const committed = await this.#kv.atomic()
        .check(existing, count)
        .delete(key)
        .set(KEY.count(userId), new Deno.KvU64(BigInt(Math.max(0, held - 1))))
        .commit();
      if (committed.ok) return true;
    }
  }

  async vapidKeys(made: VapidKeys): Promise<VapidKeys> {
    // Two instances starting at once: the first pair written is everyone's.
    await this.#kv.atomic().check({ key: KEY.vapid, versionstamp: null })
      .set(KEY.vapid, made).commit();
    return (await this.#kv.get<VapidKeys>(KEY.vapid)).value!;
  }
}
