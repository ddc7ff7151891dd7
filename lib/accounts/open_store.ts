/**
 * Opens the accounts store the settings name: Deno KV or Redis, each loaded
 * only when used.
 * @module
 */
import type { AccountsConfig } from "../config/accounts_config.ts";
import type { AccountStore } from "./store.ts";

/** The store of `store`'s kind, open. */
export async function openAccountStore(
  store: AccountsConfig["store"],
): Promise<AccountStore> {
  if (store.kind === "redis") {
    const { RedisAccountStore } = await import("./redis_store.ts");
    return await RedisAccountStore.open(store.url);
  }
  const { KvAccountStore } = await import("./kv_store.ts");
  return await KvAccountStore.open(store.path ?? undefined);
}
