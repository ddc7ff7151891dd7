import type { Handlers, PageProps } from "$fresh/server.ts";
import CallInterface from "../islands/CallInterface.tsx";
import { serverConfig } from "../lib/config/config.ts";
import { server } from "../lib/server/server.ts";
import type { SignInMode } from "../lib/page/call/types.ts";

/** In accounts mode, a browser that is not signed in goes to the sign-in page. */
export const handler: Handlers = {
  async GET(req, ctx) {
    const accounts = server().accounts?.accounts;
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

function signInMode(): SignInMode {
  const config = serverConfig();
  if (config.accounts) return "accounts";
  return config.jwtSecret !== null ? "token" : "open";
}

export default function Home({ url }: PageProps) {
  return (
    <CallInterface
      defaultUserId={url.searchParams.get("userId") ?? undefined}
      signInMode={signInMode()}
    />
  );
}
