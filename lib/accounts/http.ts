/**
 * The accounts' HTTP endpoints under `/auth/`: JSON in, JSON out, every
 * body checked with valibot, every refusal a status with a code and a
 * sentence. Pages only: each request must come from an allowed origin
 * (`origin_policy.ts`), which is also the WebAuthn origin. Sign-in and
 * invite endpoints are rate limited per address and per account.
 * @module
 */
import * as v from "valibot";
import type { Logger } from "../log.ts";
import { foreignOrigin, type OriginPolicy } from "../http/origin_policy.ts";
import { KeyedBuckets, type RateLimit } from "../signaling/rate_limit.ts";
import { AccountError } from "./account_error.ts";
import { answer, limit, readBody, refusal, Text } from "./http_json.ts";
import type { Accounts } from "./accounts.ts";
import type { RelyingParty } from "./passkey_ceremonies.ts";
import type { NewSession } from "./sessions.ts";
import { PEOPLE_GETS, peopleRoutes } from "./people_http.ts";
import { deviceName } from "./device_name.ts";
import {
  CLEAR_SESSION_COOKIE,
  CLEAR_SIGN_ON_COOKIE,
  cookie,
  type SessionRef,
  setSessionCookie,
  setSignOnCookie,
  SIGN_ON_COOKIE,
} from "./session_cookie.ts";
import { CHALLENGE_TTL_MS } from "./challenges.ts";

/**
 * Ceremonies started from one address: bursts of 20, then one every 5 s.
 * Only their start is counted: an answer needs a challenge from one.
 */
export const PER_ADDRESS: RateLimit = { capacity: 20, perSecond: 0.2 };
/**
 * What one signed-in account may start: passkeys added and invites made,
 * bursts of 10, then one every 10 s. Only the account's own session spends it.
 */
export const PER_ACCOUNT: RateLimit = { capacity: 10, perSecond: 0.1 };

/** A WebAuthn answer as the browser library sends it; the library checks the rest. */
const Credential = v.looseObject({
  id: Text(1_024),
  rawId: Text(1_024),
  type: v.literal("public-key"),
  response: v.looseObject({ clientDataJSON: Text(8_192) }),
  clientExtensionResults: v.optional(v.record(v.string(), v.unknown())),
});
const BODIES = {
  registerOptions: v.object({ invite: Text(100), userId: Text(64) }),
  register: v.object({
    invite: Text(100),
    userId: Text(64),
    response: Credential,
  }),
  signInOptions: v.object({}),
  signIn: v.object({ response: Credential }),
  passkeyOptions: v.object({}),
  addPasskey: v.object({ response: Credential }),
  removePasskey: v.object({ id: Text(1_024) }),
  empty: v.object({}),
  invite: v.object({ userId: v.optional(v.nullable(Text(64))) }),
};

/** Actions a browser reaches by navigating (GET); the rest are posted. */
const GETS = new Set(["me", "oidc/start", "oidc/callback", ...PEOPLE_GETS]);

/** A page of one sentence and a way on, for the end of a single sign-on. */
function page(
  sentence: string,
  status: number,
  headers: HeadersInit = {},
): Response {
  const escaped = sentence.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const all = new Headers(headers);
  all.set("content-type", "text/html; charset=utf-8");
  all.set("cache-control", "no-store");
  return new Response(
    `<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>Nexus Call</title><p role="alert">${escaped}</p><p><a href="/">Nexus Call</a></p></html>`,
    { status, headers: all },
  );
}

/** The callback URL as the provider was told it (behind a proxy, the request's own URL is not). */
function callbackUrl(req: Request, accounts: Accounts): URL {
  const registered = new URL(accounts.singleSignOnRedirectUri ?? req.url);
  registered.search = new URL(req.url).search;
  return registered;
}

/** An endpoint under `/auth/`: `ip` is the client's address. */
export type AccountRoute = (req: Request, ip: string) => Promise<Response>;

/** Endpoints of several parts beside the accounts' own, as one `AccountsEndpoint.more`. */
export function allRoutes(
  ...parts: ((helpers: AccountRouteHelpers) => MoreRoutes)[]
): (helpers: AccountRouteHelpers) => MoreRoutes {
  return (helpers) => {
    const made = parts.map((part) => part(helpers));
    return {
      routes: Object.assign({}, ...made.map((part) => part.routes)),
      gets: made.flatMap((part) => part.gets),
    };
  };
}

/** What the accounts' endpoints lend to endpoints beside them (`AccountsEndpoint.more`). */
export interface AccountRouteHelpers {
  /** The request's session; refused (401) when it has none. */
  signedIn(req: Request): Promise<SessionRef>;
  /** The page's origin; refused (403) unless it is this server's own. */
  ownOrigin(req: Request): string;
}

/** Endpoints beside the accounts' own, by action, and which of them are reached with GET. */
export interface MoreRoutes {
  routes: Record<string, AccountRoute>;
  gets: readonly string[];
}

/** What the endpoints need around the accounts. */
export interface AccountsEndpoint extends OriginPolicy {
  accounts: Accounts;
  log?: Logger;
  /** Tells every device of a user its new count of missed calls. */
  missedCallsChanged?(userId: string): Promise<void>;
  /** Endpoints of other parts (Web Push, call links), made with the accounts' helpers (`allRoutes`). */
  more?(helpers: AccountRouteHelpers): MoreRoutes;
}

/** Handles `/auth/*` requests; `ip` is the client's address. */
export function accountsHandler(endpoint: AccountsEndpoint) {
  const { accounts } = endpoint;
  const byAddress = new KeyedBuckets(PER_ADDRESS);
  const byAccount = new KeyedBuckets(PER_ACCOUNT);

  const relyingParty = (req: Request): RelyingParty => {
    const origin = req.headers.get("origin");
    if (!origin || foreignOrigin(req, endpoint)) {
      throw new AccountError(
        403,
        "foreign-origin",
        "Accounts can be used only from this server's own pages.",
      );
    }
    return { origin, id: new URL(origin).hostname };
  };
  const ownPage = (req: Request) => void relyingParty(req);

  const signedIn = async (req: Request): Promise<SessionRef> => {
    const session = accounts.sessions.sessionOf(req.headers.get("cookie"));
    if (!session || !await accounts.sessions.confirm(session)) {
      throw new AccountError(401, "signed-out", "You are not signed in.");
    }
    return session;
  };

  const sessionAnswer = (made: NewSession) =>
    answer({ userId: made.userId }, 200, {
      "set-cookie": setSessionCookie(made.cookie, made.maxAgeS),
    });

  const more = endpoint.more?.({
    signedIn,
    ownOrigin: (req) => relyingParty(req).origin,
  });
  const gets = new Set([...GETS, ...more?.gets ?? []]);
  const routes: Record<string, AccountRoute> = {
    ...more?.routes,
    "register/options": async (req, ip) => {
      const rp = relyingParty(req);
      limit(byAddress, ip);
      const body = await readBody(req, BODIES.registerOptions);
      return answer(
        await accounts.passkeys.registrationOptions(
          rp,
          body.invite,
          body.userId,
        ),
      );
    },
    "register": async (req) => {
      const rp = relyingParty(req);
      const body = await readBody(req, BODIES.register);
      const made = await accounts.passkeys.register(
        rp,
        body.invite,
        body.userId,
        body.response as never,
        deviceName(req.headers.get("user-agent")),
      );
      endpoint.log?.info("account.created", { user: made.userId });
      return sessionAnswer(made);
    },
    "sign-in/options": async (req, ip) => {
      const rp = relyingParty(req);
      limit(byAddress, ip);
      await readBody(req, BODIES.signInOptions);
      return answer(await accounts.passkeys.signInOptions(rp));
    },
    "sign-in": async (req) => {
      const rp = relyingParty(req);
      // Not limited per account: the handle is the client's word, and
      // nothing anonymous may spend a named person's allowance. Each answer
      // takes a challenge, and challenges are limited per address.
      const body = await readBody(req, BODIES.signIn);
      const made = await accounts.passkeys.signIn(
        rp,
        body.response as never,
        deviceName(req.headers.get("user-agent")),
      );
      endpoint.log?.info("account.signed-in", { user: made.userId });
      return sessionAnswer(made);
    },
    "me": async (req) => {
      return answer(await accounts.overview(await signedIn(req)));
    },
    "passkeys/options": async (req) => {
      const rp = relyingParty(req);
      const session = await signedIn(req);
      limit(byAccount, session.userId);
      await readBody(req, BODIES.passkeyOptions);
      return answer(await accounts.passkeys.addOptions(rp, session.userId));
    },
    "passkeys": async (req) => {
      const rp = relyingParty(req);
      const session = await signedIn(req);
      const body = await readBody(req, BODIES.addPasskey);
      await accounts.passkeys.add(
        rp,
        session.userId,
        body.response as never,
        deviceName(req.headers.get("user-agent")),
      );
      return answer({ added: true });
    },
    "passkeys/remove": async (req) => {
      ownPage(req);
      const session = await signedIn(req);
      const body = await readBody(req, BODIES.removePasskey);
      await accounts.passkeys.remove(session.userId, body.id);
      return answer({ removed: true });
    },
    "sign-out": async (req) => {
      ownPage(req);
      const session = await signedIn(req);
      await readBody(req, BODIES.empty);
      await accounts.sessions.signOut(session);
      endpoint.log?.info("account.signed-out", { user: session.userId });
      return answer({ signedOut: true }, 200, {
        "set-cookie": CLEAR_SESSION_COOKIE,
      });
    },
    "sign-out-everywhere": async (req) => {
      ownPage(req);
      const session = await signedIn(req);
      await readBody(req, BODIES.empty);
      await accounts.sessions.signOutEverywhere(session.userId);
      endpoint.log?.info("account.signed-out-everywhere", {
        user: session.userId,
      });
      return answer({ signedOut: true }, 200, {
        "set-cookie": CLEAR_SESSION_COOKIE,
      });
    },
    "oidc/start": async (_req, ip) => {
      limit(byAddress, ip);
      const { url, binding } = await accounts.startSingleSignOn();
      return new Response(null, {
        status: 303,
        headers: {
          location: url.href,
          "cache-control": "no-store",
          "set-cookie": setSignOnCookie(binding, CHALLENGE_TTL_MS / 1000),
        },
      });
    },
    "oidc/callback": async (req, ip) => {
      limit(byAddress, ip);
      let made;
      try {
        made = await accounts.finishSingleSignOn(
          callbackUrl(req, accounts),
          cookie(req.headers.get("cookie"), SIGN_ON_COOKIE),
          deviceName(req.headers.get("user-agent")),
        );
      } catch (error) {
        if (!(error instanceof AccountError)) throw error;
        return page(error.message, error.status, {
          "set-cookie": CLEAR_SIGN_ON_COOKIE,
        });
      }
      endpoint.log?.info("account.signed-in", {
        user: made.userId,
        via: "oidc",
      });
      // A page of this site moves on: the redirect from the provider is
      // cross-site, and a SameSite=Strict cookie would not go with it.
      const headers = new Headers({ refresh: "0;url=/" });
      headers.append("set-cookie", setSessionCookie(made.cookie, made.maxAgeS));
      headers.append("set-cookie", CLEAR_SIGN_ON_COOKIE);
      return page("Signed in.", 200, headers);
    },
    ...peopleRoutes({
      accounts,
      signedIn,
      ownPage,
      missedCallsChanged: endpoint.missedCallsChanged,
    }),
    "invites": async (req) => {
      const rp = relyingParty(req);
      const session = await signedIn(req);
      limit(byAccount, session.userId);
      const body = await readBody(req, BODIES.invite);
      const code = await accounts.createInvite(
        session.userId,
        body.userId ?? null,
      );
      endpoint.log?.info("account.invited", { user: session.userId });
      return answer({ link: `${rp.origin}/signin?invite=${code}` });
    },
  };

  return async (req: Request, action: string, ip: string) => {
    const route = Object.hasOwn(routes, action) ? routes[action] : undefined;
    if (!route) {
      return refusal(
        new AccountError(404, "not-found", "There is no such account action."),
      );
    }
    const method = gets.has(action) ? "GET" : "POST";
    if (req.method !== method) {
      return refusal(new AccountError(405, "method", `Use ${method}.`));
    }
    if (!accounts.started) {
      return refusal(
        new AccountError(503, "starting", "The server is starting; try again."),
        { "retry-after": "2" },
      );
    }
    try {
      return await route(req, ip);
    } catch (error) {
      if (error instanceof AccountError) return refusal(error);
      throw error;
    }
  };
}
