/**
 * Contacts, blocks and who may call on Deno KV: a key per relation, and a
 * second key for each contact the other way round (who added whom), written
 * together atomically.
 * @module
 */
import type { WhoMayCall } from "../wire/people_api.ts";
import type { CallerStanding, ContactStore } from "./contact_store.ts";

const KEY = {
  contact: (owner: string, contact: string) => ["contacts", owner, contact],
  contacts: (owner: string) => ["contacts", owner],
  addedBy: (userId: string, owner: string) => ["added-by", userId, owner],
  addedByAll: (userId: string) => ["added-by", userId],
  block: (owner: string, blocked: string) => ["blocks", owner, blocked],
  blocks: (owner: string) => ["blocks", owner],
  whoMayCall: (owner: string) => ["who-may-call", owner],
};

/** The last part of each key under `prefix`: the other user of each relation. */
async function othersUnder(kv: Deno.Kv, prefix: Deno.KvKey): Promise<string[]> {
  const others: string[] = [];
  for await (const entry of kv.list({ prefix })) {
    others.push(String(entry.key.at(-1)));
  }
  return others.sort();
}

/** Contacts in a Deno KV database (the accounts store's). */
export class KvContactStore implements ContactStore {
  #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async addContact(owner: string, contact: string, at: number): Promise<void> {
    await this.#kv.atomic()
      .set(KEY.contact(owner, contact), { addedAt: at })
      .set(KEY.addedBy(contact, owner), { addedAt: at })
      .commit();
  }

  async removeContact(owner: string, contact: string): Promise<boolean> {
    const key = KEY.contact(owner, contact);
    const existing = await this.#kv.get(key);
    await this.#kv.atomic().delete(key).delete(KEY.addedBy(contact, owner))
      .commit();
    return existing.versionstamp !== null;
  }

  contacts(owner: string): Promise<string[]> {
    return othersUnder(this.#kv, KEY.contacts(owner));
  }

  addedBy(userId: string): Promise<string[]> {
    return othersUnder(this.#kv, KEY.addedByAll(userId));
  }

  async block(owner: string, blocked: string, at: number): Promise<void> {
    await this.#kv.set(KEY.block(owner, blocked), { blockedAt: at });
  }

  async unblock(owner: string, blocked: string): Promise<boolean> {
    const key = KEY.block(owner, blocked);
    const existing = await this.#kv.get(key);
    await this.#kv.delete(key);
    return existing.versionstamp !== null;
  }

  blocked(owner: string): Promise<string[]> {
    return othersUnder(this.#kv, KEY.blocks(owner));
  }

  async whoMayCall(owner: string): Promise<WhoMayCall> {
    return (await this.#kv.get<WhoMayCall>(KEY.whoMayCall(owner))).value ??
      "contacts";
  }

  async setWhoMayCall(owner: string, who: WhoMayCall): Promise<void> {
    await this.#kv.set(KEY.whoMayCall(owner), who);
  }

  async standing(callee: string, caller: string): Promise<CallerStanding> {
    const [who, contact, block] = await this.#kv.getMany<
      [WhoMayCall, unknown, unknown]
    >([
      KEY.whoMayCall(callee),
      KEY.contact(callee, caller),
      KEY.block(callee, caller),
    ]);
    return {
      whoMayCall: who.value ?? "contacts",
      isContact: contact.versionstamp !== null,
      isBlocked: block.versionstamp !== null,
    };
  }
}
