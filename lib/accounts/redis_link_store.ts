/**
 * Call links on Redis: a key per link that expires a week after the link
 * does, and a set per owner of the links on its list; adding and replacing
 * are each one script.
 * @module
 */
import type * as Redis from "redis";
import {
  type CallLinkRecord,
  keptUntil,
  type LinkStore,
  oldestFirst,
} from "./link_store.ts";

type RedisClient = ReturnType<typeof Redis.createClient>;

/** Lists and keeps the link unless the owner's list is full. */
const ADD = `
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[3], 'PXAT', ARGV[4])
return 1`;

/** Writes ARGV[2] when the link is still ARGV[1]. */
const REPLACE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
return 1`;

/** Call links in Redis, under the accounts store's prefix. */
export class RedisLinkStore implements LinkStore {
  #redis: RedisClient;
  #key: (...parts: string[]) => string;

  constructor(redis: RedisClient, key: (...parts: string[]) => string) {
    this.#redis = redis;
    this.#key = key;
  }

  async add(link: CallLinkRecord, max: number): Promise<boolean> {
    return Number(
      await this.#redis.eval(ADD, {
        keys: [this.#key("links-of", link.owner), this.#key("link", link.id)],
        arguments: [
          link.id,
          String(max),
          JSON.stringify(link),
          String(keptUntil(link)),
        ],
      }),
    ) === 1;
  }

  async get(id: string): Promise<CallLinkRecord | null> {
    const json = await this.#redis.get(this.#key("link", id));
    return json ? JSON.parse(String(json)) as CallLinkRecord : null;
  }

  async list(owner: string): Promise<CallLinkRecord[]> {
    const ids = (await this.#redis.sMembers(this.#key("links-of", owner)))
      .map(String);
    const links = await Promise.all(ids.map((id) => this.get(id)));
    const gone = ids.filter((_, index) => links[index] === null);
    if (gone.length > 0) {
      await this.#redis.sRem(this.#key("links-of", owner), gone);
    }
    return oldestFirst(links);
  }

  async replace(
    expected: CallLinkRecord,
    next: CallLinkRecord,
  ): Promise<boolean> {
    return Number(
      await this.#redis.eval(REPLACE, {
        keys: [this.#key("link", expected.id)],
        arguments: [
          JSON.stringify(expected),
          JSON.stringify(next),
          String(keptUntil(next)),
        ],
      }),
    ) === 1;
  }

  async unlist(owner: string, id: string): Promise<void> {
    await this.#redis.sRem(this.#key("links-of", owner), id);
  }
}
