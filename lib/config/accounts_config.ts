/**
 * Accounts mode's settings (`NEXUS_ACCOUNTS` and what goes with it: the
 * store, sign-ins, history, invites, single sign-on), read and checked with
 * the rest of the server's settings (`config.ts`).
 * @module
 */
import type { EngineConfig } from "./engine_config.ts";
import { type PushConfig, pushConfig } from "./push_config.ts";
import {
  ConfigError,
  type Env,
  integer,
  list,
  onOff,
  text,
  url,
} from "./setting_readers.ts";

/** The identity provider and how its people map to accounts. */
export interface SingleSignOnConfig {
  /** `NEXUS_OIDC_ISSUER`: the provider's issuer URL. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The claim that is the user id. */
  userClaim: string;
  /** E-mail domains allowed in; empty allows every person of the issuer. */
  domains: string[];
  /** What the sign-in button calls the provider. */
  name: string;
  /** Where the provider sends people back: `<public URL>/auth/oidc/callback`. */
  redirectUri: string;
}

/** Accounts mode: where accounts live, how long a sign-in lasts, who invites. */
export interface AccountsConfig {
  /** Deno KV at `NEXUS_ACCOUNTS_KV` (Deploy's own KV there), or the engine's Redis. */
  store: { kind: "kv"; path: string | null } | { kind: "redis"; url: string };
  /** `NEXUS_SESSION_DAYS`: how long a sign-in lasts. */
  sessionDays: number;
  /** `NEXUS_HISTORY_DAYS`: how long the call history keeps a call. */
  historyDays: number;
  /** `NEXUS_ACCOUNTS_INVITES`: `operator` (the command line only) or `everyone`. */
  invitesBy: "operator" | "everyone";
  /** `NEXUS_OIDC_*`: single sign-on with one OpenID Connect provider, if set. */
  singleSignOn: SingleSignOnConfig | null;
  /** `NEXUS_PUSH*`: ringing closed browsers with Web Push; null when off. */
  push: PushConfig | null;
  /**
   * `NEXUS_CALL_LINKS=off` turns call links off; `NEXUS_CALL_LINKS_MAX`:
   * how many working links an account may have at once. Null when off.
   */
  callLinks: { maxLinks: number } | null;
}

/** The default file of the accounts' Deno KV database, in the working directory. */
export const DEFAULT_ACCOUNTS_KV = "nexus-accounts.db";

function singleSignOn(env: Env): SingleSignOnConfig | null {
  const issuer = url(env, "NEXUS_OIDC_ISSUER", "https://id.example.org");
  const clientId = text(env, "NEXUS_OIDC_CLIENT_ID");
  const clientSecret = text(env, "NEXUS_OIDC_CLIENT_SECRET");
  if (issuer === null && clientId === null && clientSecret === null) {
    return null;
  }
  if (issuer === null || clientId === null || clientSecret === null) {
    throw new ConfigError(
      "NEXUS_OIDC_ISSUER, NEXUS_OIDC_CLIENT_ID and NEXUS_OIDC_CLIENT_SECRET go together: set all three or none.",
    );
  }
  const publicUrl = url(env, "NEXUS_PUBLIC_URL", "https://call.example.org");
  if (publicUrl === null) {
    throw new ConfigError(
      "Single sign-on needs NEXUS_PUBLIC_URL (e.g. https://call.example.org): the provider sends people back to its /auth/oidc/callback.",
    );
  }
  return {
    issuer: issuer.href,
    clientId,
    clientSecret,
    userClaim: text(env, "NEXUS_OIDC_USER_CLAIM") ?? "preferred_username",
    domains: list(env, "NEXUS_OIDC_DOMAINS").map((domain) =>
      domain.toLowerCase()
    ),
    name: text(env, "NEXUS_OIDC_NAME") ?? "single sign-on",
    redirectUri: `${publicUrl.origin}/auth/oidc/callback`,
  };
}

/** Accounts mode's settings; null when it is off. `jwtSecret` and `shared` (the engine) decide what may go with it. */
export function accountsConfig(
  env: Env,
  jwtSecret: string | null,
  shared: EngineConfig,
): AccountsConfig | null {
  const sso = singleSignOn(env);
  if (!onOff(env, "NEXUS_ACCOUNTS", false)) {
    if (sso) {
      throw new ConfigError(
        "NEXUS_OIDC_ISSUER needs NEXUS_ACCOUNTS=on: single sign-on makes accounts.",
      );
    }
    return null;
  }
  if (jwtSecret !== null) {
    throw new ConfigError(
      "NEXUS_ACCOUNTS=on and NEXUS_JWT_SECRET are two ways to sign in: set one of them.",
    );
  }
  const invitesBy = text(env, "NEXUS_ACCOUNTS_INVITES") ?? "operator";
  if (invitesBy !== "operator" && invitesBy !== "everyone") {
    throw new ConfigError(
      `NEXUS_ACCOUNTS_INVITES must be "operator" or "everyone", not "${invitesBy}".`,
    );
  }
  return {
    store: shared.kind === "redis" ? { kind: "redis", url: shared.url } : {
      kind: "kv",
      path: text(env, "NEXUS_ACCOUNTS_KV") ??
        (shared.kind === "deploy" ? null : DEFAULT_ACCOUNTS_KV),
    },
    sessionDays: integer(env, "NEXUS_SESSION_DAYS", 30, 1, 365),
    historyDays: integer(env, "NEXUS_HISTORY_DAYS", 90, 1, 3_650),
    invitesBy,
    singleSignOn: sso,
    push: pushConfig(env),
    callLinks: onOff(env, "NEXUS_CALL_LINKS", true)
      ? { maxLinks: integer(env, "NEXUS_CALL_LINKS_MAX", 20, 1, 1_000) }
      : null,
  };
}
