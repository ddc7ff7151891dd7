/**
 * Call links' endpoints under `/auth/links`: the signed-in owner's list,
 * making a link (its secret is in that answer alone) and revoking one.
 * Changes come only from this server's own pages and are rate limited per
 * account.
 * @module
 */
import * as v from "valibot";
import type { AccountRouteHelpers, MoreRoutes } from "../accounts/http.ts";
import { answer, limit, readBody, Text } from "../accounts/http_json.ts";
import { KeyedBuckets, type RateLimit } from "../signaling/rate_limit.ts";
import type { CallLinks } from "./call_links.ts";

/** Link changes by one account: bursts of 10, then one every 5 s. */
export const LINK_CHANGES: RateLimit = { capacity: 10, perSecond: 0.2 };

const BODIES = {
  // The rules say what a label and a duration may be, in words.
  create: v.object({
    label: v.unknown(),
    hours: v.unknown(),
    once: v.optional(v.boolean()),
  }),
  revoke: v.object({ id: Text(64) }),
};

/** The call links' endpoints, made with the accounts' helpers. */
export function linkRoutes(
  links: CallLinks,
): (helpers: AccountRouteHelpers) => MoreRoutes {
  const changes = new KeyedBuckets(LINK_CHANGES);
  return ({ signedIn, ownOrigin }) => {
    /** The signed-in owner of a change from this server's page, within its limit. */
    const ownerOf = async (req: Request) => {
      ownOrigin(req);
      const { userId } = await signedIn(req);
      limit(changes, userId);
      return userId;
    };
    return {
      gets: ["links"],
      routes: {
        links: async (req) =>
          answer({ links: await links.list((await signedIn(req)).userId) }),
        "links/create": async (req) => {
          const owner = await ownerOf(req);
          const made = await links.create(
            owner,
            await readBody(req, BODIES.create),
          );
          return answer({ made, links: await links.list(owner) });
        },
        "links/revoke": async (req) => {
          const owner = await ownerOf(req);
          const { id } = await readBody(req, BODIES.revoke);
          const revoked = await links.revoke(owner, id);
          return answer({ revoked, links: await links.list(owner) });
        },
      },
    };
  };
}
