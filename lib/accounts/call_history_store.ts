/**
 * Where the call history is kept: part of the accounts store
 * (`AccountStore.history`), on Deno KV (`kv_history_store.ts`) or Redis
 * (`redis_history_store.ts`), held to one contract
 * (`tests/support/history_contract.ts`). One entry per user per call, written once.
 * @module
 */
import type { HistoryEntry } from "../wire/people_api.ts";

/** Each user's call history. */
export interface CallHistoryStore {
  /** Adds `entry` unless its owner already has one for the call; false when it had. */
  add(entry: HistoryEntry): Promise<boolean>;
  /** `owner`'s entries that have not expired, newest first. */
  entries(owner: string): Promise<HistoryEntry[]>;
  /** Deletes all of `owner`'s entries; how many there were. */
  clear(owner: string): Promise<number>;
  /** Until when `owner` has looked at its missed calls (0: never). */
  seenUntil(owner: string): Promise<number>;
  markSeen(owner: string, at: number): Promise<void>;
}
