import type { Handlers, PageProps } from "$fresh/server.ts";
import CallInterface from "../islands/CallInterface.tsx";
import type { ServerConfig } from "../lib/config/config.ts";
import type { SignInMode } from "../lib/page/call/types.ts";
import type { RequestState } from "./_middleware.ts";

/** In accounts mode, a browser that is not signed in goes to the sign-in page. */
export const handler: Handlers<unknown, RequestState> = {
  async GET(req, ctx) {
    const accounts = ctx.state.server.accounts?.accounts;
    if (accounts?.started) {
      const session = accounts.sessions.sessionOf(req.headers.get("cookie"));
      if (!session || !await accounts.sessions.confirm(session)) {
        return new Response(null, {
          status: 303,
          headers: { location: "/signin" },
        });
      }
    }
    return ctx.render();
  },
};

function signInMode(config: ServerConfig): SignInMode {
  if (config.accounts) return "accounts";
  return config.jwtSecret !== null ? "token" : "open";
}

export default function Home({ url, state }: PageProps<unknown, RequestState>) {
  return (
    <CallInterface
      defaultUserId={url.searchParams.get("userId") ?? undefined}
      signInMode={signInMode(state.server.config)}
    />
  );
}
