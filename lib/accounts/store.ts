/**
 * The accounts store: one small interface over accounts, passkeys, invites,
 * sign-ins and challenges, with contacts, the call history, push subscriptions and call links beside them, implemented by Deno KV (`kv_store.ts`) and Redis
 * (`redis_store.ts`) and held to one contract (`tests/support/store_contract.ts`). What
 * must happen once happens atomically: an invite makes one account, an id
 * is taken once, a challenge is answered once.
 * @module
 */
import type { CallHistoryStore } from "./call_history_store.ts";
import type { ContactStore } from "./contact_store.ts";
import type { LinkStore } from "./link_store.ts";
import type { PushStore } from "./push_store.ts";
import type { Account, Challenge, Invite, Passkey, SignIn } from "./records.ts";

/** Why a registration was refused. */
export type RegisterRefusal =
  | "invite-invalid"
  | "id-taken"
  | "credential-taken";

/** Where accounts live. */
export interface AccountStore {
  /** Each account's contacts, blocks and who may call it. */
  readonly contacts: ContactStore;
  /** Each account's call history. */
  readonly history: CallHistoryStore;
  /** Each account's browsers that ring by Web Push, and the VAPID keys. */
  readonly push: PushStore;
  /** Each account's call links. */
  readonly links: LinkStore;
  /**
   * Creates `account` with its first passkey and uses up the invite, all at
   * once: unless the invite is gone or expired at `now`, the id is taken,
   * or a passkey of any account has the passkey's credential id.
   */
  register(
    codeHash: string,
    account: Account,
    passkey: Passkey,
    now: number,
  ): Promise<RegisterRefusal | null>;
  account(userId: string): Promise<Account | null>;
  /** The account of `account.userId`, made as `account` if there is none (single sign-on). */
  ensureAccount(account: Account): Promise<Account>;
  passkey(userId: string, credentialId: string): Promise<Passkey | null>;
  passkeys(userId: string): Promise<Passkey[]>;
  /**
   * Adds a new passkey to its account, unless a passkey of any account has
   * its credential id (WebAuthn L3 §7.1 step 26): false then, and nothing
   * is written.
   */
  addPasskey(passkey: Passkey): Promise<boolean>;
  /** Saves what a sign-in changed of a known passkey: its counter, its last use. */
  savePasskey(passkey: Passkey): Promise<void>;
  /** Removes a passkey unless it is the account's last one; false when it was not removed. */
  removePasskey(userId: string, credentialId: string): Promise<boolean>;
  createInvite(invite: Invite): Promise<void>;
  invite(codeHash: string): Promise<Invite | null>;
  /** Keeps a challenge until it is taken or expires. */
  putChallenge(challenge: string, record: Challenge): Promise<void>;
  /** The challenge's record, removed in the same step: a second take gets null. */
  takeChallenge(challenge: string): Promise<Challenge | null>;
  saveSignIn(signIn: SignIn): Promise<void>;
  signIn(userId: string, idHash: string): Promise<SignIn | null>;
  signIns(userId: string): Promise<SignIn[]>;
  /** Ends one sign-in; false when there was none. */
  revokeSignIn(userId: string, idHash: string): Promise<boolean>;
  /** Ends every sign-in of `userId`; how many there were. */
  revokeSignIns(userId: string): Promise<number>;
  /**
   * The key that signs session cookies, made on first use and the same for
   * every instance on this store ever after.
   */
  cookieKey(): Promise<Uint8Array>;
  close(): void;
}
