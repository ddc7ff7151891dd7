/**
 * The app for the Web Push tests and benchmark: its own process in accounts
 * mode on a Deno KV file, allowed to push to the push service stand-in on
 * loopback and trusting its certificate, with the store open beside it to
 * make accounts and read subscriptions. Test-only.
 * @module
 */
import { KvAccountStore } from "../../lib/accounts/kv_store.ts";
import { type AppProcess, startAppProcess, untilReady } from "./app_process.ts";
import type { PushService } from "./push_service.ts";

/** The running app and its store. */
export interface PushApp {
  app: AppProcess;
  store: KvAccountStore;
  /** Stops the app and removes its store. */
  close(): Promise<void>;
}

/** Starts the app pushing to `service`; `env` adds or overrides settings. */
export async function startPushApp(
  service: PushService,
  env: Record<string, string> = {},
): Promise<PushApp> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-push-" });
  const app = await startAppProcess({
    NEXUS_ACCOUNTS: "on",
    NEXUS_ACCOUNTS_KV: `${dir}/a.db`,
    NEXUS_PUSH_ALLOWED_HOSTS: service.host,
    DENO_CERT: service.tls.certFile,
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
