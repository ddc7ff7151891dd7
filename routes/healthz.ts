import type { Handlers } from "$fresh/server.ts";

/** Alive: the process answers HTTP. */
export const handler: Handlers = {
  GET: () =>
    new Response("ok\n", {
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "cache-control": "no-store",
      },
    }),
};
