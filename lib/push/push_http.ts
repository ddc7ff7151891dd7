/**
 * Web Push's endpoints under `/auth/push/`: the server's VAPID key, a
 * browser subscribing and unsubscribing, the list Settings shows and its
 * Stop ringing, and a notification's Decline, which a service worker posts
 * without a page. All of them need a signed-in browser; changes come only
 * from this server's own pages (or its service worker) and are rate limited
 * per account.
 * @module
 */
import * as v from "valibot";
import type { AccountRouteHelpers, MoreRoutes } from "../accounts/http.ts";
import { answer, limit, readBody, Text } from "../accounts/http_json.ts";
import { deviceName } from "../accounts/device_name.ts";
import { secretHash } from "../accounts/session_cookie.ts";
import { KeyedBuckets, type RateLimit } from "../signaling/rate_limit.ts";
import type {
  PushSubscriptions,
  SignedInBrowser,
} from "./push_subscriptions.ts";

/** Subscription changes by one account: bursts of 10, then one every 5 s. */
export const PUSH_CHANGES: RateLimit = { capacity: 10, perSecond: 0.2 };

const BODIES = {
  subscribe: v.object({
    endpoint: Text(2_048),
    keys: v.object({ p256dh: Text(200), auth: Text(100) }),
  }),
  unsubscribe: v.object({ endpoint: Text(2_048) }),
  remove: v.object({ id: Text(64) }),
  decline: v.object({ call: Text(64) }),
};

/** What the push endpoints act on. */
export interface PushEndpoint {
  subscriptions: PushSubscriptions;
  /** The callee declines a ringing call from a notification; false when it was not ringing. */
  declineFromAway(userId: string, callId: string): Promise<boolean>;
}

/** The push endpoints, made with the accounts' helpers. */
export function pushRoutes(
  endpoint: PushEndpoint,
): (helpers: AccountRouteHelpers) => MoreRoutes {
  const { subscriptions } = endpoint;
  const changes = new KeyedBuckets(PUSH_CHANGES);
  return ({ signedIn, ownOrigin }) => {
    /** The signed-in browser of a request, with its sign-in's hash. */
    const browserOf = async (req: Request): Promise<SignedInBrowser> => {
      const session = await signedIn(req);
      return {
        userId: session.userId,
        signIn: secretHash(session.sessionId),
      };
    };
    /** The list as `browser`'s account has it now: what every change answers. */
    const listFor = async (browser: SignedInBrowser) =>
      answer({ browsers: await subscriptions.browsers(browser) });
    /**
     * A change by the signed-in browser, from this server's own page, within
     * the account's limit, from a body of `schema`; it answers the list.
     */
    const change = <S extends v.GenericSchema>(
      schema: S,
      act: (
        browser: SignedInBrowser,
        body: v.InferOutput<S>,
        req: Request,
        origin: string,
      ) => Promise<unknown>,
    ) =>
    async (req: Request) => {
      const origin = ownOrigin(req);
      const browser = await browserOf(req);
      limit(changes, browser.userId);
      await act(browser, await readBody(req, schema), req, origin);
      return listFor(browser);
    };
    return {
      gets: ["push/key", "push/browsers"],
      routes: {
        "push/key": async (req) => {
          await signedIn(req);
          return answer({
            publicKey: (await subscriptions.sender()).publicKey,
          });
        },
        "push/browsers": async (req) => listFor(await browserOf(req)),
        "push/subscribe": change(
          BODIES.subscribe,
          (browser, body, req, origin) =>
            subscriptions.subscribe(
              browser,
              body,
              origin,
              deviceName(req.headers.get("user-agent")),
            ),
        ),
        "push/unsubscribe": change(
          BODIES.unsubscribe,
          ({ userId }, body) =>
            subscriptions.unsubscribe(userId, body.endpoint),
        ),
        "push/remove": change(
          BODIES.remove,
          ({ userId }, body) => subscriptions.remove(userId, body.id),
        ),
        "push/decline": async (req) => {
          ownOrigin(req);
          const { userId } = await signedIn(req);
          const body = await readBody(req, BODIES.decline);
          return answer({
            declined: await endpoint.declineFromAway(userId, body.call),
          });
        },
      },
    };
  };
}
