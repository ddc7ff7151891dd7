import type { Handlers } from "$fresh/server.ts";
import type { RequestState } from "./_middleware.ts";

/** Prometheus metrics; with `NEXUS_METRICS_TOKEN`, only for `Authorization: Bearer <token>`. */
export const handler: Handlers<unknown, RequestState> = {
  GET: async (req, ctx) => {
    const { config, metrics } = ctx.state.server;
    if (
      config.metricsToken &&
      req.headers.get("authorization") !== `Bearer ${config.metricsToken}`
    ) {
      return new Response(
        "The metrics need Authorization: Bearer <NEXUS_METRICS_TOKEN>.\n",
        {
          status: 401,
          headers: {
            "content-type": "text/plain; charset=utf-8",
            "www-authenticate": "Bearer",
          },
        },
      );
    }
    return new Response(await metrics.registry.metrics(), {
      headers: {
        "content-type": metrics.registry.contentType,
        "cache-control": "no-store",
      },
    });
  },
};
