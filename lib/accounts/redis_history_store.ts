/**
 * The call history on Redis: a hash per user, a field per call written with
 * HSETNX (once), the retention checked on every read and what is past it
 * deleted then.
 * @module
 */
import type * as Redis from "redis";
import type { HistoryEntry } from "../wire/people_api.ts";
import type { CallHistoryStore } from "./call_history_store.ts";

type RedisClient = ReturnType<typeof Redis.createClient>;

/** The call history in Redis, under the accounts store's prefix. */
export class RedisHistoryStore implements CallHistoryStore {
  #redis: RedisClient;
  #key: (...parts: string[]) => string;

  constructor(redis: RedisClient, key: (...parts: string[]) => string) {
    this.#redis = redis;
    this.#key = key;
  }

  async add(entry: HistoryEntry): Promise<boolean> {
    return Number(
      await this.#redis.hSetNX(
        this.#key("history", entry.owner),
        entry.callId,
        JSON.stringify(entry),
      ),
    ) === 1;
  }

  async entries(owner: string): Promise<HistoryEntry[]> {
    const key = this.#key("history", owner);
    const now = Date.now();
    const all = Object.values(await this.#redis.hGetAll(key)).map((json) =>
      JSON.parse(String(json)) as HistoryEntry
    );
    const expired = all.filter((entry) => entry.expiresAt <= now);
    if (expired.length > 0) {
      await this.#redis.hDel(key, expired.map((entry) => entry.callId));
    }
    return all.filter((entry) => entry.expiresAt > now)
      .sort((a, b) => b.startedAt - a.startedAt);
  }

  async clear(owner: string): Promise<number> {
    const key = this.#key("history", owner);
    const [count] = await this.#redis.multi().hLen(key).del(key).exec();
    return Number(count);
  }

  async seenUntil(owner: string): Promise<number> {
    return Number(
      await this.#redis.get(this.#key("history-seen", owner)) ?? 0,
    );
  }

  async markSeen(owner: string, at: number): Promise<void> {
    await this.#redis.set(this.#key("history-seen", owner), String(at));
  }
}
