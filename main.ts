/// <reference lib="deno.ns" />
/**
 * The server: reads its settings, serves the app from the ahead-of-time
 * build, logs one JSON line per event, and shuts down gracefully.
 */
import { start } from "$fresh/server.ts";
import manifest from "./fresh.gen.ts";
import config from "./lib/server/fresh_config.ts";
import { ConfigError } from "./lib/config/config.ts";
import { server, type ServerParts } from "./lib/server/server.ts";
import { CLOSE_CODES } from "./lib/wire/protocol.ts";

/** Deno Deploy stops an instance 5 s after SIGINT; finish well before. */
const SHUTDOWN_GRACE_MS = 4_000;
/**
 * How long, at most, a stopping instance that shares an engine stays
 * reachable by the others once its sockets are closed: its pages come back
 * on another instance within 0.5 s (or a second or two, when a first dial
 * still met this one) and ask this one for their delivery sessions, which it
 * keeps until they are all handed over or this is past.
 */
const DRAIN_MS = 3_000;

let parts: ServerParts;
try {
  parts = server();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Nexus Call cannot start: ${error.message}`);
  Deno.exit(1);
}
const { config: settings, log } = parts;

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

// The server listens at once; until its engine runs (a Redis that is down is
// waited for), /readyz and new /ws handshakes answer 503 with the reason.
const hub = parts.signaling.hub;
log.info("engine.starting", {
  engine: hub.engine.name,
  instance: hub.engine.instanceId,
});
hub.start().then(
  () => log.info("engine.ready", { engine: hub.engine.name }),
  (error) => {
    log.error("engine.failed", {
      operation: "start",
      error: error instanceof Error ? error.message : String(error),
    });
    Deno.exit(1);
  },
);

// Accounts mode: sign-ins and /ws handshakes answer 503 until the store is open.
parts.accounts?.accounts.start().then(
  () => log.info("accounts.ready", {}),
  (error) => {
    log.error("accounts.failed", {
      error: error instanceof Error ? error.message : String(error),
    });
    console.error(
      `Nexus Call cannot start: the accounts store cannot be opened (${
        error instanceof Error ? error.message : String(error)
      }).`,
    );
    Deno.exit(1);
  },
);

const shutdown = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    if (shutdown.signal.aborted) return;
    log.info("server.stopping", { signal });
    parts.drain();
    hub.closeAll(CLOSE_CODES.restarting, "server restarting");
    shutdown.abort();
    // The closes are handled first, so this instance's devices leave the
    // engine at once; then its delivery sessions wait to be handed over.
    const drained = Date.now() + DRAIN_MS;
    const stopWhenDrained = () => {
      const waiting = hub.engine.name !== "memory" &&
        hub.deliveryLinks.size > 0 && Date.now() < drained;
      if (waiting) return void setTimeout(stopWhenDrained, 100);
      hub.stop().finally(() => Deno.exit(0));
    };
    setTimeout(stopWhenDrained, 200);
    setTimeout(() => Deno.exit(0), SHUTDOWN_GRACE_MS);
  });
}

await start(manifest, {
  ...config,
  onError: (error, req) =>
    log.error("request.failed", {
      method: req.method,
      path: new URL(req.url).pathname,
      error: error instanceof Error
        ? error.stack ?? error.message
        : String(error),
    }),
  server: {
    port: settings.port,
    ...tls,
    signal: shutdown.signal,
    onListen: ({ hostname, port }) =>
      log.info("server.listening", {
        url: `${tls ? "https" : "http"}://${
          hostname === "0.0.0.0" ? "localhost" : hostname
        }:${port}/`,
      }),
  },
});
log.info("server.stopped");
// Stopped by a signal: the process ends once the hub has drained.
if (!shutdown.signal.aborted) Deno.exit(0);
