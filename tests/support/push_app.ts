/**
 * The app for the Web Push tests and benchmark: accounts mode
 * (`accounts_app.ts`), allowed to push to the push service stand-in on
 * loopback and trusting its certificate. Test-only.
 * @module
 */
import { type AccountsApp, startAccountsApp } from "./accounts_app.ts";
import type { PushService } from "./push_service.ts";

/** Starts the app pushing to `service`; `env` adds or overrides settings. */
export function startPushApp(
  service: PushService,
  env: Record<string, string> = {},
): Promise<AccountsApp> {
  return startAccountsApp({
    NEXUS_PUSH_ALLOWED_HOSTS: service.host,
    DENO_CERT: service.tls.certFile,
    ...env,
  });
}
