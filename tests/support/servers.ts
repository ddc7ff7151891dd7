/** Real servers on port 0 for integration and browser tests. */
import manifest from "../../fresh.gen.ts";
import config from "../../lib/fresh_config.ts";
import { createHandler } from "$fresh/server.ts";
import { build } from "../../lib/fresh/src/build.ts";
import { collectFiles } from "../../lib/fresh/src/manifest.ts";
import { type HubOptions, SignalingHub } from "../../lib/signaling/hub.ts";
import { upgradeSignaling } from "../../lib/signaling/websocket.ts";
import { signalingHub } from "../../lib/signaling/instance.ts";

/** A running server and how to reach it. */
export interface RunningServer {
  /** `http://127.0.0.1:PORT` */
  http: string;
  /** `ws://127.0.0.1:PORT/ws` */
  ws: string;
  hub: SignalingHub;
  close(): Promise<void>;
}

function serve(handler: Deno.ServeHandler, hub: SignalingHub): RunningServer {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    handler,
  );
  const { port } = server.addr;
  return {
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}/ws`,
    hub,
    close: () => server.shutdown(),
  };
}

/** The signaling endpoint alone, with its own hub, e.g. for a short ring timeout. */
export function startSignaling(
  options: Partial<HubOptions> = {},
): RunningServer {
  const hub = new SignalingHub({
    iceServers: [],
    ringTimeoutMs: 60_000,
    ...options,
  });
  return serve((req) => upgradeSignaling(req, hub), hub);
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
export async function startApp(): Promise<RunningServer> {
  const outDir = await buildOnce();
  const handler = await createHandler(manifest, {
    ...config,
    build: { outDir },
  });
  return serve(handler, signalingHub());
}
