/**
 * The accounts store on Redis, for instances that already share one
 * (`NEXUS_REDIS_URL`). Each operation that must happen once is one Lua
 * script, which Redis runs alone. Records are JSON; invites, challenges and
 * sign-ins expire with Redis's own timers. How durable a write is after
 * Redis itself stops is Redis's persistence setting (`appendonly`).
 * @module
 */
import type * as Redis from "redis";
import type { Account, Challenge, Invite, Passkey, SignIn } from "./records.ts";
import type { AccountStore, RegisterRefusal } from "./store.ts";
import { RedisContactStore } from "./redis_contact_store.ts";
import { RedisHistoryStore } from "./redis_history_store.ts";
import { RedisLinkStore } from "./redis_link_store.ts";
import { RedisPushStore } from "./redis_push_store.ts";

type RedisClient = ReturnType<typeof Redis.createClient>;

/** Uses up the invite and creates the account with its passkey, or says why not. */
const REGISTER = `
local invite = redis.call('GET', KEYS[1])
if not invite or cjson.decode(invite).expiresAt <= tonumber(ARGV[1]) then
  return 'invite-invalid'
end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'id-taken' end
if redis.call('EXISTS', KEYS[4]) == 1 then return 'credential-taken' end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
redis.call('SET', KEYS[4], ARGV[5])
return 'ok'`;

/** Adds a passkey unless its credential id is any account's already. */
const ADD_PASSKEY = `
if redis.call('SET', KEYS[2], ARGV[3], 'NX') == false then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/** Removes a passkey unless it is the last. */
const REMOVE_PASSKEY = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HLEN', KEYS[1]) < 2 then return 0 end
redis.call('DEL', KEYS[2])
return redis.call('HDEL', KEYS[1], ARGV[1])`;

function parsed<T>(json: string | null | undefined): T | null {
  return json ? JSON.parse(json) as T : null;
}

/** Accounts in Redis, under `prefix`. */
export class RedisAccountStore implements AccountStore {
  readonly contacts: RedisContactStore;
  readonly history: RedisHistoryStore;
  readonly push: RedisPushStore;
  readonly links: RedisLinkStore;
  #redis: RedisClient;
  #prefix: string;

  constructor(redis: RedisClient, prefix = "nexus:accounts:") {
    this.#redis = redis;
    this.#prefix = prefix;
    const key = (...parts: string[]) => this.#key(...parts);
    this.contacts = new RedisContactStore(redis, key);
    this.history = new RedisHistoryStore(redis, key);
    this.push = new RedisPushStore(redis, key);
    this.links = new RedisLinkStore(redis, key);
  }

  /** Connects to the Redis at `url`. */
  static async open(url: string): Promise<RedisAccountStore> {
    const { createClient } = await import("redis");
    const client: RedisClient = createClient({
      url,
      socket: { connectTimeout: 2_000 },
    });
    client.on("error", () => {
      // Each command reports its own failure to its caller.
    });
    await client.connect();
    return new RedisAccountStore(client);
  }

  #key(...parts: string[]): string {
    return this.#prefix + parts.join(":");
  }

  async register(
    codeHash: string,
    account: Account,
    passkey: Passkey,
    now: number,
  ): Promise<RegisterRefusal | null> {
    const result = await this.#redis.eval(REGISTER, {
      keys: [
        this.#key("invite", codeHash),
        this.#key("account", account.userId),
        this.#key("passkeys", account.userId),
        this.#key("credential", passkey.credentialId),
      ],
      arguments: [
        String(now),
        JSON.stringify(account),
        passkey.credentialId,
        JSON.stringify(passkey),
        account.userId,
      ],
    });
    return result === "ok" ? null : result as RegisterRefusal;
  }

  async account(userId: string): Promise<Account | null> {
    return parsed(await this.#redis.get(this.#key("account", userId)));
  }

  async ensureAccount(account: Account): Promise<Account> {
    const key = this.#key("account", account.userId);
    await this.#redis.set(key, JSON.stringify(account), { NX: true });
    return parsed<Account>(await this.#redis.get(key))!;
  }

  async passkey(userId: string, credentialId: string): Promise<Passkey | null> {
    return parsed(
      await this.#redis.hGet(this.#key("passkeys", userId), credentialId),
    );
  }

  async passkeys(userId: string): Promise<Passkey[]> {
    const all = await this.#redis.hGetAll(this.#key("passkeys", userId));
    return Object.values(all).map((json) => JSON.parse(String(json)));
  }

  async addPasskey(passkey: Passkey): Promise<boolean> {
    const added = await this.#redis.eval(ADD_PASSKEY, {
      keys: [
        this.#key("passkeys", passkey.userId),
        this.#key("credential", passkey.credentialId),
      ],
      arguments: [
        passkey.credentialId,
        JSON.stringify(passkey),
        passkey.userId,
      ],
    });
    return added === 1;
  }

  async savePasskey(passkey: Passkey): Promise<void> {
    await this.#redis.hSet(
      this.#key("passkeys", passkey.userId),
      passkey.credentialId,
      JSON.stringify(passkey),
    );
  }

  async removePasskey(userId: string, credentialId: string): Promise<boolean> {
    const removed = await this.#redis.eval(REMOVE_PASSKEY, {
      keys: [
        this.#key("passkeys", userId),
        this.#key("credential", credentialId),
      ],
      arguments: [credentialId],
    });
    return removed === 1;
  }

  async createInvite(invite: Invite): Promise<void> {
    await this.#redis.set(
      this.#key("invite", invite.codeHash),
      JSON.stringify(invite),
      { PXAT: invite.expiresAt },
    );
  }

  async invite(codeHash: string): Promise<Invite | null> {
    return parsed(await this.#redis.get(this.#key("invite", codeHash)));
  }

  async putChallenge(challenge: string, record: Challenge): Promise<void> {
    await this.#redis.set(
      this.#key("challenge", challenge),
      JSON.stringify(record),
      { PXAT: record.expiresAt },
    );
  }

  async takeChallenge(challenge: string): Promise<Challenge | null> {
    return parsed(await this.#redis.getDel(this.#key("challenge", challenge)));
  }

  async saveSignIn(signIn: SignIn): Promise<void> {
    await this.#redis.multi()
      .set(
        this.#key("sign-in", signIn.userId, signIn.idHash),
        JSON.stringify(signIn),
        { PXAT: signIn.expiresAt },
      )
      .sAdd(this.#key("sign-ins", signIn.userId), signIn.idHash)
      .exec();
  }

  async signIn(userId: string, idHash: string): Promise<SignIn | null> {
    return parsed(await this.#redis.get(this.#key("sign-in", userId, idHash)));
  }

  async signIns(userId: string): Promise<SignIn[]> {
    const hashes = await this.#redis.sMembers(this.#key("sign-ins", userId));
    if (hashes.length === 0) return [];
    const values = await this.#redis.mGet(
      hashes.map((hash) => this.#key("sign-in", userId, hash)),
    );
    // A hash whose sign-in expired stays in the set until the next revocation.
    return values.flatMap((json) => json ? [JSON.parse(json) as SignIn] : []);
  }

  async revokeSignIn(userId: string, idHash: string): Promise<boolean> {
    const [deleted] = await this.#redis.multi()
      .del(this.#key("sign-in", userId, idHash))
      .sRem(this.#key("sign-ins", userId), idHash)
      .exec();
    return Number(deleted) === 1;
  }

  async revokeSignIns(userId: string): Promise<number> {
    const hashes = await this.#redis.sMembers(this.#key("sign-ins", userId));
    if (hashes.length === 0) return 0;
    const [deleted] = await this.#redis.multi()
      .del(hashes.map((hash) => this.#key("sign-in", userId, hash)))
      .del(this.#key("sign-ins", userId))
      .exec();
    return Number(deleted);
  }

  async cookieKey(): Promise<Uint8Array> {
    const key = this.#key("cookie-key");
    const made = crypto.getRandomValues(new Uint8Array(32));
    // Two instances starting at once: the first key written is everyone's.
    await this.#redis.set(key, btoa(String.fromCharCode(...made)), {
      NX: true,
    });
    const kept = (await this.#redis.get(key))!;
    return Uint8Array.from(atob(kept), (char) => char.charCodeAt(0));
  }

  close(): void {
    this.#redis.destroy();
  }
}
