/**
 * Contacts, blocks and who may call on Redis: a hash per user for its
 * contacts, one for who added it, one for its blocks, and a string for who
 * may call; a contact and its other-way record change in one MULTI.
 * @module
 */
import type * as Redis from "redis";
import type { WhoMayCall } from "../wire/people_api.ts";
import type { CallerStanding, ContactStore } from "./contact_store.ts";

type RedisClient = ReturnType<typeof Redis.createClient>;

/** The setting as kept: anything but "anyone" (nothing set) is the default. */
function setting(kept: unknown): WhoMayCall {
  return kept === "anyone" ? "anyone" : "contacts";
}

/** Contacts in Redis, under the accounts store's prefix. */
export class RedisContactStore implements ContactStore {
  #redis: RedisClient;
  #key: (...parts: string[]) => string;

  constructor(redis: RedisClient, key: (...parts: string[]) => string) {
    this.#redis = redis;
    this.#key = key;
  }

  async addContact(owner: string, contact: string, at: number): Promise<void> {
    await this.#redis.multi()
      .hSet(this.#key("contacts", owner), contact, String(at))
      .hSet(this.#key("added-by", contact), owner, String(at))
      .exec();
  }

  async removeContact(owner: string, contact: string): Promise<boolean> {
    const [removed] = await this.#redis.multi()
      .hDel(this.#key("contacts", owner), contact)
      .hDel(this.#key("added-by", contact), owner)
      .exec();
    return Number(removed) === 1;
  }

  async contacts(owner: string): Promise<string[]> {
    return (await this.#redis.hKeys(this.#key("contacts", owner))).sort();
  }

  async addedBy(userId: string): Promise<string[]> {
    return (await this.#redis.hKeys(this.#key("added-by", userId))).sort();
  }

  async block(owner: string, blocked: string, at: number): Promise<void> {
    await this.#redis.hSet(this.#key("blocks", owner), blocked, String(at));
  }

  async unblock(owner: string, blocked: string): Promise<boolean> {
    return Number(
      await this.#redis.hDel(this.#key("blocks", owner), blocked),
    ) === 1;
  }

  async blocked(owner: string): Promise<string[]> {
    return (await this.#redis.hKeys(this.#key("blocks", owner))).sort();
  }

  async whoMayCall(owner: string): Promise<WhoMayCall> {
    return setting(await this.#redis.get(this.#key("who-may-call", owner)));
  }

  async setWhoMayCall(owner: string, who: WhoMayCall): Promise<void> {
    await this.#redis.set(this.#key("who-may-call", owner), who);
  }

  async standing(callee: string, caller: string): Promise<CallerStanding> {
    const [who, isContact, isBlocked] = await this.#redis.multi()
      .get(this.#key("who-may-call", callee))
      .hExists(this.#key("contacts", callee), caller)
      .hExists(this.#key("blocks", callee), caller)
      .exec();
    return {
      whoMayCall: setting(who),
      isContact: Number(isContact) === 1,
      isBlocked: Number(isBlocked) === 1,
    };
  }
}
