import type { Handlers } from "$fresh/server.ts";
import type { RequestState } from "./_middleware.ts";

/** Ready: the server takes new sessions (503 with the reason while it does not). */
export const handler: Handlers<unknown, RequestState> = {
  GET: (_req, ctx) => {
    const notReady = ctx.state.server.notReady();
    return new Response(notReady ? `not ready: ${notReady}\n` : "ready\n", {
      status: notReady ? 503 : 200,
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "cache-control": "no-store",
      },
    });
  },
};
