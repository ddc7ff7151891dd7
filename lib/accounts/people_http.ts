/**
 * The endpoints of contacts and the call history, under `/auth/`: a signed-in
 * account reads and changes its contacts, blocks and who may call it, and
 * reads, exports and clears its history. Changes come only from this
 * server's own pages and are rate limited per account.
 * @module
 */
import * as v from "valibot";
import { USER_ID_PATTERN } from "../wire/protocol.ts";
import { KeyedBuckets, type RateLimit } from "../signaling/rate_limit.ts";
import type { Accounts } from "./accounts.ts";
import { WHO_MAY_CALL } from "../wire/people_api.ts";
import { answer, limit, readBody } from "./http_json.ts";
import type { SessionRef } from "./session_cookie.ts";

/** Changes to one account's contacts: bursts of 30, then one a second. */
export const CONTACT_CHANGES: RateLimit = { capacity: 30, perSecond: 1 };

const UserId = v.object({
  userId: v.pipe(
    v.string(),
    v.regex(
      USER_ID_PATTERN,
      "a user id is 1–64 letters, digits, dots, dashes, underscores or tildes",
    ),
  ),
});
const Setting = v.object({ whoMayCall: v.picklist(WHO_MAY_CALL) });

/** What these endpoints need of the accounts' endpoint. */
export interface PeopleEndpoint {
  accounts: Accounts;
  /** The request's session; refused when it has none. */
  signedIn(req: Request): Promise<SessionRef>;
  /** Refuses a request that does not come from this server's own pages. */
  ownPage(req: Request): void;
  /** Tells every device of a user its new count of missed calls. */
  missedCallsChanged?(userId: string): Promise<void>;
}

/** Actions of these endpoints a browser reaches with GET; the rest are posted. */
export const PEOPLE_GETS = ["contacts", "history", "history/export"];

type Route = (req: Request) => Promise<Response>;

/** The routes of contacts and history, by action. */
export function peopleRoutes(endpoint: PeopleEndpoint): Record<string, Route> {
  const { accounts } = endpoint;
  const changes = new KeyedBuckets(CONTACT_CHANGES);
  /** A change by the signed-in account, from a body of `schema`; it answers the view as it is now. */
  const changeWith = <S extends v.GenericSchema>(
    schema: S,
    act: (owner: string, body: v.InferOutput<S>) => Promise<void>,
  ): Route =>
  async (req) => {
    endpoint.ownPage(req);
    const { userId } = await endpoint.signedIn(req);
    limit(changes, userId);
    await act(userId, await readBody(req, schema));
    return answer(await accounts.contacts.view(userId));
  };
  /** A change about the other user the body names. */
  const change = (act: (owner: string, other: string) => Promise<void>) =>
    changeWith(UserId, (owner, body) => act(owner, body.userId));
  return {
    "contacts": async (req) =>
      answer(
        await accounts.contacts.view((await endpoint.signedIn(req)).userId),
      ),
    "contacts/add": change((owner, other) =>
      accounts.contacts.add(owner, other)
    ),
    "contacts/remove": change((owner, other) =>
      accounts.contacts.remove(owner, other)
    ),
    "contacts/decline": change((owner, other) =>
      accounts.contacts.decline(owner, other)
    ),
    "blocks/add": change((owner, other) =>
      accounts.contacts.block(owner, other)
    ),
    "blocks/remove": change((owner, other) =>
      accounts.contacts.unblock(owner, other)
    ),
    "who-may-call": changeWith(
      Setting,
      (owner, body) => accounts.contacts.setWhoMayCall(owner, body.whoMayCall),
    ),
    "history": async (req) => {
      const { userId } = await endpoint.signedIn(req);
      return answer(await accounts.history.view(userId));
    },
    "history/export": async (req) => {
      const { userId } = await endpoint.signedIn(req);
      const { entries } = await accounts.history.view(userId);
      return answer({ userId, exportedAt: Date.now(), entries }, 200, {
        "content-disposition":
          `attachment; filename="nexus-call-history-${userId}.json"`,
      });
    },
    "history/seen": async (req) => {
      endpoint.ownPage(req);
      const { userId } = await endpoint.signedIn(req);
      await readBody(req, v.object({}));
      await accounts.history.markSeen(userId);
      await endpoint.missedCallsChanged?.(userId);
      return answer({ missed: 0 });
    },
    "history/clear": async (req) => {
      endpoint.ownPage(req);
      const { userId } = await endpoint.signedIn(req);
      await readBody(req, v.object({}));
      const cleared = await accounts.history.clear(userId);
      await endpoint.missedCallsChanged?.(userId);
      return answer({ cleared });
    },
  };
}
