/// <reference lib="deno.ns" />
import { start } from "$fresh/server.ts";
import manifest from "./fresh.gen.ts";
import config from "./lib/fresh_config.ts";
import { ConfigError, serverConfig } from "./lib/config.ts";

let port: number;
try {
  port = serverConfig().port;
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Nexus Call cannot start: ${error.message}`);
  Deno.exit(1);
}

await start(manifest, { ...config, server: { port } });
