/**
 * Call links, the rules: an owner makes a link (a label, how long it works,
 * once or until revoked) and sees and revokes its links; a guest's link is
 * looked up by its secret's hash (the secret itself is never kept), lets
 * one guest's device in at a time, and rings its owner and nobody else.
 * What the links are kept in is `AccountStore.links`.
 * @module
 */
import { AccountError } from "../accounts/account_error.ts";
import type { CallLinkRecord, LinkStore } from "../accounts/link_store.ts";
import { RECORD_VERSION } from "../accounts/records.ts";
import { randomCode, secretHash } from "../accounts/session_cookie.ts";
import {
  type CallLinkView,
  cleanName,
  LINK_HOURS,
  LINK_SECRET_PATTERN,
  type LinkRefusal,
  NAME_MAX,
  type NewCallLink,
} from "../wire/link_api.ts";
import { GUEST_PREFIX, isGuestId } from "../wire/protocol.ts";

/** What the rules are given. */
export interface CallLinksOptions {
  store(): LinkStore;
  /** Working links an account may have at once. */
  maxLinks: number;
  /**
   * A link was revoked or used up: its guest, wherever connected, is cut
   * off, told why in words.
   */
  dismiss(guestId: string, why: LinkRefusal): void;
  now?(): number;
}

/** A link that lets its guest in, or why it does not. */
export type LinkLookup = { link: CallLinkRecord } | { refused: LinkRefusal };

/** The guest id of a link: `~` and the link's id. */
export function guestIdOf(linkId: string): string {
  return GUEST_PREFIX + linkId;
}

/** The link id of a guest id, or null for an account's id. */
export function linkIdOf(userId: string): string | null {
  return isGuestId(userId) ? userId.slice(GUEST_PREFIX.length) : null;
}

/** The id of the link a secret opens: its hash's first 16 hex digits. */
export function linkIdOfSecret(secret: string): string {
  return idOfHash(secretHash(secret));
}

function idOfHash(hash: string): string {
  return hash.slice(0, 16);
}

function view(link: CallLinkRecord): CallLinkView {
  const { id, label, createdAt, expiresAt, once, usedAt } = link;
  return { id, label, createdAt, expiresAt, once, usedAt };
}

/** Call links over the accounts store. */
export class CallLinks {
  #options: CallLinksOptions;
  #now: () => number;

  constructor(options: CallLinksOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Makes a link for `owner`; the secret is in the answer and nowhere else. */
  async create(
    owner: string,
    request: { label?: unknown; hours?: unknown; once?: unknown },
  ): Promise<NewCallLink> {
    const label = cleanName(request.label);
    if (label === null) {
      throw new AccountError(
        400,
        "invalid-label",
        `Give the link a name of 1–${NAME_MAX} characters, e.g. who it is for.`,
      );
    }
    const hours = request.hours;
    if (
      typeof hours !== "number" || !Number.isInteger(hours) ||
      hours < LINK_HOURS.min || hours > LINK_HOURS.max
    ) {
      throw new AccountError(
        400,
        "invalid-hours",
        "A link works for 1 hour to 30 days (720 hours).",
      );
    }
    const secret = randomCode(18);
    const hash = secretHash(secret);
    const now = this.#now();
    const link: CallLinkRecord = {
      v: RECORD_VERSION,
      id: idOfHash(hash),
      hash,
      owner,
      label,
      createdAt: now,
      expiresAt: now + hours * 3_600_000,
      once: request.once === true,
      revokedAt: null,
      usedAt: null,
      claimedBy: null,
      spentAt: null,
    };
    await this.list(owner);
    if (!await this.#store.add(link, this.#options.maxLinks)) {
      throw new AccountError(
        409,
        "too-many-links",
        `You have ${this.#options.maxLinks} working links: revoke one first.`,
      );
    }
    return { link: view(link), secret };
  }

  /** `owner`'s links that still work, oldest first; the others leave the list. */
  async list(owner: string): Promise<CallLinkView[]> {
    const working: CallLinkView[] = [];
    for (const link of await this.#store.list(owner)) {
      if (this.#refusal(link) === null) working.push(view(link));
      else await this.#store.unlist(owner, link.id);
    }
    return working;
  }

  /** Revokes `owner`'s link `id` at once, cutting off its guest; false when there is none. */
  async revoke(owner: string, id: string): Promise<boolean> {
    const link = await this.#change(
      id,
      (link) =>
        link.owner === owner && link.revokedAt === null
          ? { ...link, revokedAt: this.#now() }
          : null,
    );
    if (!link) return false;
    await this.#store.unlist(owner, id);
    this.#options.dismiss(guestIdOf(id), "revoked");
    return true;
  }

  /**
   * The link a secret opens, or why it lets nobody in. A wrong secret and a
   * revoked link cost the same one read.
   */
  async look(secret: string): Promise<LinkLookup> {
    if (!LINK_SECRET_PATTERN.test(secret)) return { refused: "wrong" };
    const hash = secretHash(secret);
    const link = await this.#store.get(idOfHash(hash));
    if (!link || link.hash !== hash) return { refused: "wrong" };
    const refused = this.#refusal(link);
    return refused ? { refused } : { link };
  }

  /**
   * Lets a guest's device in through a link: a one-call link is taken by
   * the first device, and only that device may come back with it.
   */
  async admit(secret: string, deviceId: string): Promise<LinkLookup> {
    const looked = await this.look(secret);
    if (!("link" in looked) || !looked.link.once) return looked;
    if (looked.link.claimedBy === deviceId) return looked;
    const claimed = await this.#change(
      looked.link.id,
      (link) =>
        link.claimedBy === null ? { ...link, claimedBy: deviceId } : null,
    );
    return claimed ? { link: claimed } : { refused: "used" };
  }

  /**
   * Whether the guest `guestId` may ring `callee` now: its link still works
   * and `callee` made it. A ring through it is its last use.
   */
  async mayRing(guestId: string, callee: string): Promise<boolean> {
    const used = await this.#changeOf(
      guestId,
      (link) =>
        link.owner === callee && this.#refusal(link) === null
          ? { ...link, usedAt: this.#now() }
          : null,
    );
    return used !== null;
  }

  /** A guest's call ended: a one-call link is used up, and its guest cut off. */
  async callEnded(guestId: string): Promise<void> {
    const link = await this.#linkOf(guestId);
    if (!link?.once) return;
    await this.#change(
      link.id,
      (link) =>
        link.spentAt === null ? { ...link, spentAt: this.#now() } : null,
    );
    await this.#store.unlist(link.owner, link.id);
    this.#options.dismiss(guestId, "used");
  }

  /** Why the guest `guestId`'s link lets nobody in now ("wrong" when it is gone), or null. */
  async refusalOf(guestId: string): Promise<LinkRefusal | null> {
    const link = await this.#linkOf(guestId);
    return link ? this.#refusal(link) : "wrong";
  }

  get #store(): LinkStore {
    return this.#options.store();
  }

  /** The link of the guest `guestId`, or null for an account or a link gone. */
  async #linkOf(guestId: string): Promise<CallLinkRecord | null> {
    const id = linkIdOf(guestId);
    return id === null ? null : await this.#store.get(id);
  }

  /** `#change` on the link of the guest `guestId`; null for an account. */
  #changeOf(
    guestId: string,
    change: (link: CallLinkRecord) => CallLinkRecord | null,
  ): Promise<CallLinkRecord | null> {
    const id = linkIdOf(guestId);
    return id === null ? Promise.resolve(null) : this.#change(id, change);
  }

  /** Why `link` lets nobody in now, or null. */
  #refusal(link: CallLinkRecord): LinkRefusal | null {
    if (link.revokedAt !== null) return "revoked";
    if (link.spentAt !== null) return "used";
    if (this.#now() >= link.expiresAt) return "expired";
    return null;
  }

  /**
   * Applies `change` to the link until it holds against concurrent
   * writers; the link as written, or null when `change` declines or the
   * link is gone.
   */
  async #change(
    id: string,
    change: (link: CallLinkRecord) => CallLinkRecord | null,
  ): Promise<CallLinkRecord | null> {
    for (;;) {
      const link = await this.#store.get(id);
      const next = link && change(link);
      if (!link || !next) return null;
      if (await this.#store.replace(link, next)) return next;
    }
  }
}
