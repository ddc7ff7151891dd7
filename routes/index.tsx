import type { Handlers, PageProps } from "$fresh/server.ts";
import CallInterface from "../islands/CallInterface.tsx";
import type { ServerConfig } from "../lib/config/config.ts";
import type { SignInMode } from "../lib/page/call/types.ts";
import type { RequestState } from "./_middleware.ts";

/** What the page is rendered with: in accounts mode, the contacts one may call. */
interface HomeData {
  people: string[];
}

/**
 * In accounts mode, a browser that is not signed in goes to the sign-in
 * page; one that is sees its contacts, online or not.
 */
export const handler: Handlers<HomeData, RequestState> = {
  async GET(req, ctx) {
    const accounts = ctx.state.server.accounts?.accounts;
    if (!accounts?.started) return ctx.render({ people: [] });
    const session = accounts.sessions.sessionOf(req.headers.get("cookie"));
    if (!session || !await accounts.sessions.confirm(session)) {
      return new Response(null, {
        status: 303,
        headers: { location: "/signin" },
      });
    }
    const people = await accounts.contacts.presenceSeenBy(session.userId);
    return ctx.render({ people: [...people].sort() });
  },
};

function signInMode(config: ServerConfig): SignInMode {
  if (config.accounts) return "accounts";
  return config.jwtSecret !== null ? "token" : "open";
}

export default function Home(
  { url, state, data }: PageProps<HomeData, RequestState>,
) {
  return (
    <CallInterface
      defaultUserId={url.searchParams.get("userId") ?? undefined}
      signInMode={signInMode(state.server.config)}
      people={data.people}
    />
  );
}
