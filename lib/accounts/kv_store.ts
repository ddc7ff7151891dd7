/**
 * The accounts store on Deno KV: a local SQLite file by default, the
 * platform's KV on Deno Deploy. A write resolves once KV has committed it.
 * Atomic operations check the versionstamps of what they depend on, so two
 * racing registrations of one id or one invite cannot both commit.
 * @module
 */
import type { Account, Challenge, Invite, Passkey, SignIn } from "./records.ts";
import type { AccountStore, RegisterRefusal } from "./store.ts";
import { KvContactStore } from "./kv_contact_store.ts";
import { KvHistoryStore } from "./kv_history_store.ts";
import { KvLinkStore } from "./kv_link_store.ts";
import { KvPushStore } from "./kv_push_store.ts";
import { lockTolerant } from "./kv_retry.ts";

const KEY = {
  account: (userId: string) => ["accounts", userId],
  passkey: (userId: string, id: string) => ["passkeys", userId, id],
  passkeys: (userId: string) => ["passkeys", userId],
  /** Which account a credential id belongs to: no two passkeys share one. */
  credential: (id: string) => ["credentials", id],
  invite: (hash: string) => ["invites", hash],
  challenge: (challenge: string) => ["challenges", challenge],
  signIn: (userId: string, hash: string) => ["sign-ins", userId, hash],
  signIns: (userId: string) => ["sign-ins", userId],
  cookieKey: ["cookie-key"],
};

/** How long until `at`, as KV's `expireIn` wants it (at least 1 ms). */
function until(at: number): number {
  return Math.max(1, at - Date.now());
}

async function listed<T>(kv: Deno.Kv, prefix: Deno.KvKey): Promise<T[]> {
  const values: T[] = [];
  for await (const entry of kv.list<T>({ prefix })) values.push(entry.value);
  return values;
}

/** Accounts in a Deno KV database. */
export class KvAccountStore implements AccountStore {
  readonly contacts: KvContactStore;
  readonly history: KvHistoryStore;
  readonly push: KvPushStore;
  readonly links: KvLinkStore;
  #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
    this.contacts = new KvContactStore(kv);
    this.history = new KvHistoryStore(kv);
    this.push = new KvPushStore(kv);
    this.links = new KvLinkStore(kv);
  }

  /** Opens the database at `path` (Deploy's own KV without one). */
  static async open(path?: string): Promise<KvAccountStore> {
    return new KvAccountStore(lockTolerant(await Deno.openKv(path)));
  }

  async register(
    codeHash: string,
    account: Account,
    passkey: Passkey,
    now: number,
  ): Promise<RegisterRefusal | null> {
    const [invite, existing, owner] = await this.#kv.getMany<
      [Invite, Account, string]
    >([
      KEY.invite(codeHash),
      KEY.account(account.userId),
      KEY.credential(passkey.credentialId),
    ]);
    if (!invite.value || invite.value.expiresAt <= now) return "invite-invalid";
    if (existing.value) return "id-taken";
    if (owner.value) return "credential-taken";
    const committed = await this.#kv.atomic()
      .check(invite, existing, owner)
      .delete(invite.key)
      .set(existing.key, account)
      .set(KEY.passkey(account.userId, passkey.credentialId), passkey)
      .set(owner.key, account.userId)
      .commit();
    if (committed.ok) return null;
    // Someone else changed one of the three meanwhile: say which.
    const again = await this.#kv.getMany<[Invite, Account, string]>([
      invite.key,
      existing.key,
      owner.key,
    ]);
    if (again[2].value) return "credential-taken";
    return again[0].value ? "id-taken" : "invite-invalid";
  }

  async account(userId: string): Promise<Account | null> {
    return (await this.#kv.get<Account>(KEY.account(userId))).value;
  }

  async ensureAccount(account: Account): Promise<Account> {
    const key = KEY.account(account.userId);
    // Only where there is none: an atomic check that the key is empty.
    await this.#kv.atomic().check({ key, versionstamp: null }).set(key, account)
      .commit();
    return (await this.#kv.get<Account>(key)).value!;
  }

  async passkey(userId: string, credentialId: string): Promise<Passkey | null> {
    return (await this.#kv.get<Passkey>(KEY.passkey(userId, credentialId)))
      .value;
  }

  passkeys(userId: string): Promise<Passkey[]> {
    return listed(this.#kv, KEY.passkeys(userId));
  }

  async addPasskey(passkey: Passkey): Promise<boolean> {
    const owner = KEY.credential(passkey.credentialId);
    const committed = await this.#kv.atomic()
      .check({ key: owner, versionstamp: null })
      .set(owner, passkey.userId)
      .set(KEY.passkey(passkey.userId, passkey.credentialId), passkey)
      .commit();
    return committed.ok;
  }

  async savePasskey(passkey: Passkey): Promise<void> {
    await this.#kv.set(
      KEY.passkey(passkey.userId, passkey.credentialId),
      passkey,
    );
  }

  async removePasskey(userId: string, credentialId: string): Promise<boolean> {
    // Check-and-delete against every key of the account, so that two removals
    // at once cannot leave it with none.
    const entries = [];
    for await (const entry of this.#kv.list({ prefix: KEY.passkeys(userId) })) {
      entries.push(entry);
    }
    const target = entries.find((entry) => entry.key[2] === credentialId);
    if (!target || entries.length < 2) return false;
    const committed = await this.#kv.atomic().check(...entries).delete(
      target.key,
    ).delete(KEY.credential(credentialId)).commit();
    return committed.ok;
  }

  async createInvite(invite: Invite): Promise<void> {
    await this.#kv.set(KEY.invite(invite.codeHash), invite, {
      expireIn: until(invite.expiresAt),
    });
  }

  async invite(codeHash: string): Promise<Invite | null> {
    const invite = (await this.#kv.get<Invite>(KEY.invite(codeHash))).value;
    return invite && invite.expiresAt > Date.now() ? invite : null;
  }

  async putChallenge(challenge: string, record: Challenge): Promise<void> {
    await this.#kv.set(KEY.challenge(challenge), record, {
      expireIn: until(record.expiresAt),
    });
  }

  async takeChallenge(challenge: string): Promise<Challenge | null> {
    const entry = await this.#kv.get<Challenge>(KEY.challenge(challenge));
    if (!entry.value) return null;
    const taken = await this.#kv.atomic().check(entry).delete(entry.key)
      .commit();
    if (!taken.ok || entry.value.expiresAt <= Date.now()) return null;
    return entry.value;
  }

  async saveSignIn(signIn: SignIn): Promise<void> {
    await this.#kv.set(KEY.signIn(signIn.userId, signIn.idHash), signIn, {
      expireIn: until(signIn.expiresAt),
    });
  }

  async signIn(userId: string, idHash: string): Promise<SignIn | null> {
    const signIn = (await this.#kv.get<SignIn>(KEY.signIn(userId, idHash)))
      .value;
    return signIn && signIn.expiresAt > Date.now() ? signIn : null;
  }

  async signIns(userId: string): Promise<SignIn[]> {
    const now = Date.now();
    return (await listed<SignIn>(this.#kv, KEY.signIns(userId)))
      .filter((signIn) => signIn.expiresAt > now);
  }

  async revokeSignIn(userId: string, idHash: string): Promise<boolean> {
    const live = await this.signIn(userId, idHash);
    await this.#kv.delete(KEY.signIn(userId, idHash));
    return live !== null;
  }

  async revokeSignIns(userId: string): Promise<number> {
    const now = Date.now();
    let count = 0;
    const prefix = KEY.signIns(userId);
    for await (const entry of this.#kv.list<SignIn>({ prefix })) {
      await this.#kv.delete(entry.key);
      if (entry.value.expiresAt > now) count++;
    }
    return count;
  }

  async cookieKey(): Promise<Uint8Array> {
    const kept = await this.#kv.get<Uint8Array>(KEY.cookieKey);
    if (kept.value) return kept.value;
    const made = crypto.getRandomValues(new Uint8Array(32));
    // Two instances starting at once: the first key written is everyone's.
    await this.#kv.atomic().check(kept).set(KEY.cookieKey, made).commit();
    return (await this.#kv.get<Uint8Array>(KEY.cookieKey)).value!;
  }

  close(): void {
    this.#kv.close();
  }
}
