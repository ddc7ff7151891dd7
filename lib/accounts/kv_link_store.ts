/**
 * Call links on Deno KV: a key per link that expires a week after the link
 * does, and a key per link on its owner's list; adding checks the list's
 * version so that two links made at once cannot pass the limit together.
 * @module
 */
import {
  type CallLinkRecord,
  keptUntil,
  type LinkStore,
  oldestFirst,
} from "./link_store.ts";

const KEY = {
  link: (id: string) => ["link", id],
  listed: (owner: string, id: string) => ["links-of", owner, id],
  list: (owner: string) => ["links-of", owner],
  version: (owner: string) => ["links-version", owner],
};

/** Call links in a Deno KV database (the accounts store's). */
export class KvLinkStore implements LinkStore {
  #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async add(link: CallLinkRecord, max: number): Promise<boolean> {
    const expireIn = Math.max(1, keptUntil(link) - Date.now());
    for (;;) {
      const version = await this.#kv.get(KEY.version(link.owner));
      if ((await this.#ids(link.owner)).length >= max) return false;
      const committed = await this.#kv.atomic()
        .check(version)
        .set(KEY.version(link.owner), crypto.randomUUID())
        .set(KEY.link(link.id), link, { expireIn })
        .set(KEY.listed(link.owner, link.id), true, { expireIn })
        .commit();
      if (committed.ok) return true;
    }
  }

  async get(id: string): Promise<CallLinkRecord | null> {
    return (await this.#kv.get<CallLinkRecord>(KEY.link(id))).value;
  }

  async list(owner: string): Promise<CallLinkRecord[]> {
    const ids = await this.#ids(owner);
    const links = await Promise.all(ids.map((id) => this.get(id)));
    return oldestFirst(links);
  }

  async replace(
    expected: CallLinkRecord,
    next: CallLinkRecord,
  ): Promise<boolean> {
    const entry = await this.#kv.get<CallLinkRecord>(KEY.link(expected.id));
    if (JSON.stringify(entry.value) !== JSON.stringify(expected)) return false;
    const expireIn = Math.max(1, keptUntil(next) - Date.now());
    return (await this.#kv.atomic().check(entry)
      .set(KEY.link(next.id), next, { expireIn })
      .commit()).ok;
  }

  async unlist(owner: string, id: string): Promise<void> {
    await this.#kv.atomic()
      .set(KEY.version(owner), crypto.randomUUID())
      .delete(KEY.listed(owner, id))
      .commit();
  }

  async #ids(owner: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const entry of this.#kv.list({ prefix: KEY.list(owner) })) {
      ids.push(String(entry.key.at(-1)));
    }
    return ids;
  }
}
