/**
 * Where contacts, blocks and who may call are kept: part of the accounts
 * store (`AccountStore.contacts`), on Deno KV (`kv_contact_store.ts`) or
 * Redis (`redis_contact_store.ts`), held to one contract
 * (`tests/support/contacts_contract.ts`). Each relation is a record of its own, so two
 * changes at once never overwrite each other.
 * @module
 */
import type { WhoMayCall } from "../wire/people_api.ts";

/** What decides whether one user may ring another, read in one step. */
export interface CallerStanding {
  /** The callee's setting. */
  whoMayCall: WhoMayCall;
  /** The callee has the caller among its contacts. */
  isContact: boolean;
  /** The callee blocked the caller. */
  isBlocked: boolean;
}

/** Contacts, blocks and who may call, per user. */
export interface ContactStore {
  /** `owner` adds `contact`; `contact` sees it as a request until it adds `owner` back. */
  addContact(owner: string, contact: string, at: number): Promise<void>;
  /** False when `contact` was not among `owner`'s contacts. */
  removeContact(owner: string, contact: string): Promise<boolean>;
  /** Whom `owner` added, sorted. */
  contacts(owner: string): Promise<string[]>;
  /** Who added `userId`, sorted. */
  addedBy(userId: string): Promise<string[]>;
  block(owner: string, blocked: string, at: number): Promise<void>;
  /** False when `blocked` was not blocked. */
  unblock(owner: string, blocked: string): Promise<boolean>;
  /** Whom `owner` blocked, sorted. */
  blocked(owner: string): Promise<string[]>;
  whoMayCall(owner: string): Promise<WhoMayCall>;
  setWhoMayCall(owner: string, who: WhoMayCall): Promise<void>;
  /** What `callee` holds about `caller`. */
  standing(callee: string, caller: string): Promise<CallerStanding>;
}
