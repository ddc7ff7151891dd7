/**
 * Push subscriptions on Redis: a hash per account, a field per endpoint,
 * added by a script that keeps the account within its limit in one step.
 * @module
 */
import type * as Redis from "redis";
import type {
  PushStore,
  PushSubscriptionRecord,
  VapidKeys,
} from "./push_store.ts";

type RedisClient = ReturnType<typeof Redis.createClient>;

/** Sets the field unless it is new and the hash has ARGV[3] fields already. */
const ADD = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and
   redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/** Push subscriptions in Redis, under the accounts store's prefix. */
export class RedisPushStore implements PushStore {
  #redis: RedisClient;
  #key: (...parts: string[]) => string;

  constructor(redis: RedisClient, key: (...parts: string[]) => string) {
    this.#redis = redis;
    this.#key = key;
  }

  async add(record: PushSubscriptionRecord, max: number): Promise<boolean> {
    return Number(
      await this.#redis.eval(ADD, {
        keys: [this.#key("push", record.userId)],
        arguments: [record.endpointHash, JSON.stringify(record), String(max)],
      }),
    ) === 1;
  }

  async list(userId: string): Promise<PushSubscriptionRecord[]> {
    return Object.values(await this.#redis.hGetAll(this.#key("push", userId)))
      .map((json) => JSON.parse(String(json)) as PushSubscriptionRecord)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async remove(userId: string, endpointHash: string): Promise<boolean> {
    return Number(
      await this.#redis.hDel(this.#key("push", userId), endpointHash),
    ) === 1;
  }

  async vapidKeys(made: VapidKeys): Promise<VapidKeys> {
    const key = this.#key("vapid-keys");
    // Two instances starting at once: the first pair written is everyone's.
    await this.#redis.set(key, JSON.stringify(made), { NX: true });
    return JSON.parse(String(await this.#redis.get(key))) as VapidKeys;
  }
}
