/**
 * Contacts, blocks and who may call, over a `ContactStore`: what the
 * accounts' pages change, and what the hub asks (`Reachability`). A user
 * adds another by id; to the other that is a request, accepted by adding
 * back or declined. A callee that takes calls from its contacts only (the
 * default) is rung only by them; a block stops the blocked user's calls and
 * requests and hides the blocker's presence from it, and unblocking undoes
 * exactly that. Who sees whose presence: a user sees a contact's when it
 * may call that contact.
 * @module
 */
import { isUserId } from "../wire/protocol.ts";
import type { Reachability } from "../signaling/hub/options.ts";
import { AccountError } from "./account_error.ts";
import type { ContactsView, WhoMayCall } from "../wire/people_api.ts";
import type { ContactStore } from "./contact_store.ts";

/** What contacts need around them. */
export interface ContactsOptions {
  /** Whether an account exists. */
  accountExists(userId: string): Promise<boolean>;
  /** Whose presence these users may see changed. */
  audienceChanged?(userIds: string[]): void;
  now?: () => number;
}

/** Contacts of accounts, and the hub's answer to who may reach whom. */
export class Contacts implements Reachability {
  #store: ContactStore;
  #options: ContactsOptions;
  #now: () => number;

  constructor(store: ContactStore, options: ContactsOptions) {
    this.#store = store;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async mayCall(caller: string, callee: string): Promise<boolean> {
    const standing = await this.#store.standing(callee, caller);
    return !standing.isBlocked &&
      (standing.whoMayCall === "anyone" || standing.isContact);
  }

  async presenceSeenBy(viewer: string): Promise<ReadonlySet<string>> {
    const contacts = await this.#store.contacts(viewer);
    const allowed = await Promise.all(
      contacts.map((contact) => this.mayCall(viewer, contact)),
    );
    return new Set(contacts.filter((_, index) => allowed[index]));
  }

  /** `owner`'s contacts, requests, blocks and setting. */
  async view(owner: string): Promise<ContactsView> {
    const [contacts, addedBy, blocked, whoMayCall] = await Promise.all([
      this.#store.contacts(owner),
      this.#store.addedBy(owner),
      this.#store.blocked(owner),
      this.#store.whoMayCall(owner),
    ]);
    const added = new Set(addedBy);
    const hidden = new Set([...contacts, ...blocked]);
    return {
      contacts: contacts.map((userId) => ({
        userId,
        mutual: added.has(userId),
      })),
      requests: addedBy.filter((userId) => !hidden.has(userId)),
      blocked,
      whoMayCall,
    };
  }

  /** `owner` adds `other` (or accepts its request). */
  async add(owner: string, other: string): Promise<void> {
    await this.#other(owner, other);
    await this.#store.addContact(owner, other, this.#now());
    this.#changed(owner, other);
  }

  /** `owner` removes `other` from its contacts. */
  async remove(owner: string, other: string): Promise<void> {
    await this.#store.removeContact(owner, other);
    this.#changed(owner, other);
  }

  /** `owner` declines `requester`'s request: the requester's contact entry goes. */
  async decline(owner: string, requester: string): Promise<void> {
    await this.#store.removeContact(requester, owner);
    this.#changed(owner, requester);
  }

  async block(owner: string, other: string): Promise<void> {
    await this.#other(owner, other);
    await this.#store.block(owner, other, this.#now());
    this.#changed(owner, other);
  }

  async unblock(owner: string, other: string): Promise<void> {
    await this.#store.unblock(owner, other);
    this.#changed(owner, other);
  }

  /** Who may call `owner`: everyone who added it may now see it, or no longer. */
  async setWhoMayCall(owner: string, who: WhoMayCall): Promise<void> {
    await this.#store.setWhoMayCall(owner, who);
    this.#changed(owner, ...await this.#store.addedBy(owner));
  }

  /** Refuses an id that is not another existing account. */
  async #other(owner: string, other: string): Promise<void> {
    if (!isUserId(other)) {
      throw new AccountError(
        400,
        "invalid-user-id",
        "A user id is 1–64 letters, digits, dots, dashes, underscores or tildes.",
      );
    }
    if (other === owner) {
      throw new AccountError(400, "self", "That is your own id.");
    }
    if (!await this.#options.accountExists(other)) {
      throw new AccountError(
        404,
        "no-such-account",
        `There is no account ${other} on this server.`,
      );
    }
  }

  #changed(...userIds: string[]): void {
    this.#options.audienceChanged?.(userIds);
  }
}
