/// <reference lib="deno.ns" />
import { start } from "$fresh/server.ts";
import manifest from "./fresh.gen.ts";
import config from "./lib/fresh_config.ts";
import { ConfigError, serverConfig } from "./lib/config.ts";

let settings;
try {
  settings = serverConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Nexus Call cannot start: ${error.message}`);
  Deno.exit(1);
}

async function readPem(variable: string, path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    console.error(
      `Nexus Call cannot start: ${variable} names ${path}, which cannot be read (${
        (error as Error).message
      }).`,
    );
    Deno.exit(1);
  }
}

const tls = settings.tls && {
  cert: await readPem("NEXUS_TLS_CERT", settings.tls.certFile),
  key: await readPem("NEXUS_TLS_KEY", settings.tls.keyFile),
};

await start(manifest, { ...config, server: { port: settings.port, ...tls } });
