/** Real servers on port 0 for integration and browser tests. */
import manifest from "../../fresh.gen.ts";
import config from "../../lib/server/fresh_config.ts";
import { createHandler } from "$fresh/server.ts";
import { build } from "../../lib/fresh/src/build.ts";
import { collectFiles } from "../../lib/fresh/src/manifest.ts";
import { type HubOptions, SignalingHub } from "../../lib/signaling/hub/hub.ts";
import type { SignalingEndpoint } from "../../lib/server/handshake.ts";
import { upgradeSignaling } from "../../lib/server/websocket.ts";
import { server } from "../../lib/server/server.ts";
import { needsPermissions } from "./environment.ts";
import { ConnectionLimits } from "../../lib/signaling/connection_limits.ts";

/** A running server and how to reach it. */
export interface RunningServer {
  /** `http://127.0.0.1:PORT` */
  http: string;
  /** `ws://127.0.0.1:PORT/ws` */
  ws: string;
  hub: SignalingHub;
  close(): Promise<void>;
}

/** A PEM certificate and key to serve HTTPS and WSS. */
export interface Tls {
  cert: string;
  key: string;
}

function serve(
  handler: Deno.ServeHandler,
  hub: SignalingHub,
  tls?: Tls,
): RunningServer {
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
    ...tls,
  }, handler);
  const { port } = server.addr;
  const secure = tls ? "s" : "";
  return {
    http: `http${secure}://127.0.0.1:${port}`,
    ws: `ws${secure}://127.0.0.1:${port}/ws`,
    hub,
    close: () => server.shutdown(),
  };
}

/** How a test's signaling server differs from the defaults. */
export interface SignalingOptions
  extends Partial<Omit<SignalingEndpoint, "hub" | "limits">> {
  hub?: Partial<HubOptions>;
  maxConnections?: number;
  maxConnectionsPerIp?: number;
  tls?: Tls;
}

/** The grace period of test servers: short, so that a test's calls are gone soon after it. */
export const TEST_GRACE_MS = 300;

/**
 * The presence window of test servers: short, since tests use presence as a
 * barrier (`settle`); the presence tests set the default window themselves.
 */
export const TEST_PRESENCE_WINDOW_MS = 20;

/**
 * Waits until a hub has no session and no call left: calls whose parties
 * left wait out the grace period first.
 */
export async function drained(hub: SignalingHub): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (hub.registry.size > 0 || hub.calls.size > 0) {
    if (Date.now() > deadline) {
      throw new Error(
        `${hub.registry.size} sessions and ${hub.calls.size} calls are left behind`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The signaling endpoint alone, with its own hub, e.g. for a short ring timeout. */
export function startSignaling(options: SignalingOptions = {}): RunningServer {
  const hub = new SignalingHub({
    ringTimeoutMs: 60_000,
    resumeGraceMs: TEST_GRACE_MS,
    presenceWindowMs: TEST_PRESENCE_WINDOW_MS,
    ...options.hub,
  });
  const endpoint: SignalingEndpoint = {
    hub,
    jwtSecret: options.jwtSecret ?? null,
    allowedOrigins: options.allowedOrigins ?? [],
    trustHostNames: options.trustHostNames ?? false,
    idleTimeoutS: options.idleTimeoutS ?? 30,
    limits: new ConnectionLimits(
      options.maxConnections ?? 10_000,
      options.maxConnectionsPerIp ?? 256,
    ),
    iceServersFor: options.iceServersFor ?? (() => []),
  };
  return serve(
    (req, info) =>
      upgradeSignaling(
        req,
        (info.remoteAddr as Deno.NetAddr).hostname,
        endpoint,
      ),
    hub,
    options.tls,
  );
}

const root = new URL("../../", import.meta.url);
let builtOutDir: Promise<string> | undefined;

/** Builds the app's bundles once per test process, into a temporary folder. */
function buildOnce(): Promise<string> {
  return builtOutDir ??= (async () => {
    const outDir = await Deno.makeTempDir({ prefix: "nexus-test-build-" });
    const rootPath = decodeURIComponent(root.pathname).replace(/\/$/, "");
    await build(rootPath, await collectFiles(rootPath, "islands"), {
      ...config,
      build: { outDir },
    });
    globalThis.addEventListener(
      "unload",
      () => Deno.removeSync(outDir, { recursive: true }),
    );
    return outDir;
  })();
}

/** The whole app, as `deno task start` serves it, on a free port. */
export async function startApp(tls?: Tls): Promise<RunningServer> {
  const outDir = await buildOnce();
  const handler = await createHandler(manifest, {
    ...config,
    build: { outDir },
  });
  return serve(handler, server().signaling.hub, tls);
}

/**
 * A test against a real server made by `start` (the signaling endpoint alone
 * by default), which must be left with no session and no call.
 */
export function serverTest(
  name: string,
  fn: (server: RunningServer) => Promise<void>,
  start: () => RunningServer | Promise<RunningServer> = startSignaling,
): void {
  Deno.test({
    name: `server: ${name}`,
    ignore: needsPermissions(),
    async fn() {
      const running = await start();
      try {
        await fn(running);
      } finally {
        await running.close();
      }
      await drained(running.hub);
    },
  });
}
