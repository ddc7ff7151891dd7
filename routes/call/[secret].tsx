import type { Handlers, PageProps } from "$fresh/server.ts";
import { asset, Head } from "$fresh/runtime.ts";
import CallInterface from "../../islands/CallInterface.tsx";
import { LINK_REFUSALS, type LinkRefusal } from "../../lib/wire/link_api.ts";
import type { RequestState } from "../_middleware.ts";

/** A link that works (whom it calls), or why it does not. */
type LinkPage = { owner: string } | { refused: LinkRefusal };

/**
 * `/call/SECRET`, accounts mode's call links: a working link opens the call
 * page as its guest; any other says why it does not work, in words. A wrong
 * link and a revoked one cost the same single read.
 */
export const handler: Handlers<LinkPage, RequestState> = {
  async GET(_req, ctx) {
    const { links, accounts } = ctx.state.server;
    if (!links || !accounts) return ctx.renderNotFound();
    if (!accounts.accounts.started) {
      return new Response("The server is starting; try again shortly.\n", {
        status: 503,
        headers: { "retry-after": "2" },
      });
    }
    const looked = await links.look(ctx.params.secret);
    if ("refused" in looked) {
      return ctx.render(looked, {
        status: looked.refused === "wrong" ? 404 : 410,
      });
    }
    return ctx.render({ owner: looked.link.owner });
  },
};

export default function CallLinkPage(
  { data, params }: PageProps<LinkPage>,
) {
  if ("refused" in data) {
    return (
      <main class="max-w-3xl mx-auto p-4">
        {/* No island here: this small script shows the theme the person chose. */}
        <Head>
          <script src={asset("/theme.js")} />
        </Head>
        <h1 class="text-2xl font-bold">Call link</h1>
        <p class="mt-2" role="alert">{LINK_REFUSALS[data.refused]}</p>
      </main>
    );
  }
  return (
    <CallInterface
      signInMode="accounts"
      guest={{ secret: params.secret, owner: data.owner }}
    />
  );
}
