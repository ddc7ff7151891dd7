/**
 * The call history on Deno KV: an entry per user per call, written only
 * where there is none (an atomic check), expiring with KV's own timer at the
 * end of the retention; entries past it are never returned meanwhile.
 * @module
 */
import type { HistoryEntry } from "../wire/people_api.ts";
import type { CallHistoryStore } from "./call_history_store.ts";

const KEY = {
  entry: (owner: string, callId: string) => ["history", owner, callId],
  entries: (owner: string) => ["history", owner],
  seen: (owner: string) => ["history-seen", owner],
};

/** The call history in a Deno KV database (the accounts store's). */
export class KvHistoryStore implements CallHistoryStore {
  #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async add(entry: HistoryEntry): Promise<boolean> {
    const key = KEY.entry(entry.owner, entry.callId);
    const committed = await this.#kv.atomic()
      .check({ key, versionstamp: null })
      .set(key, entry, { expireIn: Math.max(1, entry.expiresAt - Date.now()) })
      .commit();
    return committed.ok;
  }

  async entries(owner: string): Promise<HistoryEntry[]> {
    const now = Date.now();
    const entries: HistoryEntry[] = [];
    for await (
      const entry of this.#kv.list<HistoryEntry>({
        prefix: KEY.entries(owner),
      })
    ) {
      if (entry.value.expiresAt > now) entries.push(entry.value);
    }
    return entries.sort((a, b) => b.startedAt - a.startedAt);
  }

  async clear(owner: string): Promise<number> {
    let count = 0;
    for await (const entry of this.#kv.list({ prefix: KEY.entries(owner) })) {
      await this.#kv.delete(entry.key);
      count++;
    }
    return count;
  }

  async seenUntil(owner: string): Promise<number> {
    return (await this.#kv.get<number>(KEY.seen(owner))).value ?? 0;
  }

  async markSeen(owner: string, at: number): Promise<void> {
    await this.#kv.set(KEY.seen(owner), at);
  }
}
