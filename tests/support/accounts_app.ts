/**
 * The app in accounts mode for tests and benchmarks: its own process on a
 * Deno KV file of its own, ready, with the store open beside it to make
 * accounts and read what the app wrote. Test-only.
 * @module
 */
import { KvAccountStore } from "../../lib/accounts/kv_store.ts";
import { type AppProcess, startAppProcess, untilReady } from "./app_process.ts";

/** The running app and its store. */
export interface AccountsApp {
  app: AppProcess;
  store: KvAccountStore;
  /** Stops the app and removes its store. */
  close(): Promise<void>;
}

/** Starts the app in accounts mode; `env` adds or overrides settings. */
export async function startAccountsApp(
  env: Record<string, string> = {},
): Promise<AccountsApp> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-accounts-" });
  const app = await startAppProcess({
    NEXUS_ACCOUNTS: "on",
    NEXUS_ACCOUNTS_KV: `${dir}/a.db`,
    ...env,
  });
  const store = await KvAccountStore.open(`${dir}/a.db`);
  const close = async () => {
    store.close();
    await app.stop();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    await untilReady([app]);
  } catch (error) {
    await close();
    throw error;
  }
  return { app, store, close };
}
