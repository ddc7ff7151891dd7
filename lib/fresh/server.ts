/**
 * `$fresh/server.ts`: what a Fresh 1.x app imports on the server.
 * @module
 */
import { createHandler } from "./src/handler.ts";
import type { FreshConfig, Manifest } from "./src/types.ts";

export { createHandler, type RequestHandler } from "./src/handler.ts";
export type {
  FreshConfig,
  FreshContext,
  Handler,
  Handlers,
  Manifest,
  PageProps,
  Plugin,
  PluginBuildContext,
  PluginRenderContext,
  PluginRenderResult,
  RouteModule,
} from "./src/types.ts";

/** Returns the configuration as given; it exists for type inference. */
export function defineConfig(config: FreshConfig): FreshConfig {
  return config;
}

/**
 * Serves the app on `config.server.port`, else `PORT`, else 8000, from the
 * ahead-of-time build in `_fresh/`. Resolves when the server has closed.
 */
export async function start(
  manifest: Manifest,
  config: FreshConfig = {},
): Promise<void> {
  const handler = await createHandler(manifest, config);
  const port = config.server?.port ?? Number(Deno.env.get("PORT") ?? 8000);
  const server = Deno.serve({
    port,
    hostname: config.server?.hostname,
    signal: config.server?.signal,
    ...(config.server?.cert &&
      { cert: config.server.cert, key: config.server.key }),
    onListen: config.server?.onListen ??
      ((addr) =>
        console.log(
          `Listening on ${config.server?.cert ? "https" : "http"}://${
            addr.hostname === "0.0.0.0" ? "localhost" : addr.hostname
          }:${addr.port}/`,
        )),
  }, handler);
  await server.finished;
}
