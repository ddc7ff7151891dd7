/**
 * Where call links are kept: part of the accounts store
 * (`AccountStore.links`), on Deno KV (`kv_link_store.ts`) or Redis
 * (`redis_link_store.ts`), held to one contract
 * (`tests/support/link_contract.ts`). A link is kept by its id (the first
 * 16 hex digits of its secret's SHA-256, never the secret) until a week
 * after it expires, so that its page can still say what became of it; its
 * owner's list holds the links that still work.
 * @module
 */
import type { RECORD_VERSION } from "./records.ts";

/** One call link: who it rings, for how long, and what became of it. */
export interface CallLinkRecord {
  v: typeof RECORD_VERSION;
  /** The first 16 hex digits of `hash`: the link's name in lists and guest ids. */
  id: string;
  /** SHA-256 of the link's secret, hex. */
  hash: string;
  /** The account the link rings. */
  owner: string;
  /** The owner's name for it ("Grandma"): shown with the guest's own. */
  label: string;
  createdAt: number;
  expiresAt: number;
  /** Whether the link is for one call. */
  once: boolean;
  /** When the owner revoked it, or null. */
  revokedAt: number | null;
  /** When a guest last rang through it, or null. */
  usedAt: number | null;
  /** A one-call link: the guest's device that took it, or null while nobody has. */
  claimedBy: string | null;
  /** A one-call link: when its call ended, or null. */
  spentAt: number | null;
}

/** How long a link is kept after it expires, for its page to say so. */
export const LINK_KEPT_AFTER_EXPIRY_MS = 7 * 24 * 3_600_000;

/** Each account's call links. */
export interface LinkStore {
  /**
   * Keeps a new link and lists it under its owner; false (nothing written)
   * when the owner's list holds `max` links already. The rules `list`
   * first, which takes links that stopped working off the list.
   */
  add(link: CallLinkRecord, max: number): Promise<boolean>;
  /** The link with this id, or null (never made, or past being kept). */
  get(id: string): Promise<CallLinkRecord | null>;
  /** The links on `owner`'s list, oldest first. */
  list(owner: string): Promise<CallLinkRecord[]>;
  /**
   * Writes `next` in place of the link, only when it is still as `expected`
   * (compare and set); false when it changed meanwhile or is gone.
   */
  replace(expected: CallLinkRecord, next: CallLinkRecord): Promise<boolean>;
  /** Takes a link off its owner's list (revoked, expired, used up); the link itself stays. */
  unlist(owner: string, id: string): Promise<void>;
}

/** The links that are there, oldest first: what `list` answers. */
export function oldestFirst(
  links: (CallLinkRecord | null)[],
): CallLinkRecord[] {
  return links.filter((link) => link !== null)
    .sort((a, b) => a.createdAt - b.createdAt);
}

/** Until when a link is kept (ms since the epoch). */
export function keptUntil(link: CallLinkRecord): number {
  return link.expiresAt + LINK_KEPT_AFTER_EXPIRY_MS;
}
