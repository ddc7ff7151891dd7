/**
 * Where Web Push subscriptions and the server's VAPID keys are kept: part of
 * the accounts store (`AccountStore.push`), on Deno KV (`kv_push_store.ts`)
 * or Redis (`redis_push_store.ts`), held to one contract
 * (`tests/support/push_contract.ts`). A browser's subscription is kept under
 * its account and the hash of its endpoint, so a browser that subscribes
 * again replaces its own record.
 * @module
 */
import type { RECORD_VERSION } from "./records.ts";

/** One browser that rings for an account while no page of it is open. */
export interface PushSubscriptionRecord {
  v: typeof RECORD_VERSION;
  userId: string;
  /** SHA-256 of `endpoint`, hex: the record's key. */
  endpointHash: string;
  /** The push service's URL for this browser (`https`, checked when it came). */
  endpoint: string;
  /** The browser's P-256 key and auth secret, base64url (RFC 8291). */
  keys: { p256dh: string; auth: string };
  /** The sign-in it was made in (its id's hash): signing that browser out removes it. */
  signIn: string;
  /** The browser, from its User-Agent, for the settings list. */
  device: string;
  /** The page's origin when it subscribed: the VAPID subject when none is set. */
  origin: string;
  createdAt: number;
}

/** The VAPID key pair (RFC 8292), base64url as the web-push library takes it. */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** Each account's push subscriptions, and the server's VAPID keys. */
export interface PushStore {
  /**
   * Keeps `record`, replacing the one with its endpoint; false (nothing
   * written) when its account already has `max` others.
   */
  add(record: PushSubscriptionRecord, max: number): Promise<boolean>;
  /** `userId`'s subscriptions, oldest first. */
  list(userId: string): Promise<PushSubscriptionRecord[]>;
  /** Removes one; false when there was none. */
  remove(userId: string, endpointHash: string): Promise<boolean>;
  /**
   * The VAPID keys: `made` is kept if there are none yet, and the first kept
   * is every instance's ever after.
   */
  vapidKeys(made: VapidKeys): Promise<VapidKeys>;
}
