/** What the benchmarks share: servers started on a pinned core, and what /proc says about them. */
import { build } from "../lib/fresh/src/build.ts";
import { collectFiles } from "../lib/fresh/src/manifest.ts";
import config from "../lib/server/fresh_config.ts";
import {
  freePort,
  waitForPort,
  waitForReady,
} from "../tests/support/process.ts";

/** The repository's root folder. */
export const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname)
  .replace(/\/$/, "");

/** Microseconds per clock tick of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux). */
export const TICK_US = 1_000_000 / Number(
  new TextDecoder().decode(
    new Deno.Command("getconf", { args: ["CLK_TCK"] }).outputSync().stdout,
  ).trim(),
);

/** A process's user plus system CPU time so far, in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** A process's resident memory, in KiB. */
export function rssKiB(pid: number): number {
  return Number(
    Deno.readTextFileSync(`/proc/${pid}/status`).match(/VmRSS:\s+(\d+)/)![1],
  );
}

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** One step of the relay benchmark, as `relay_load.ts` prints it. */
export interface RelayResult {
  target: Target;
  pairs: number;
  offered: number;
  achieved: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  serverCpuUsPerMessage: number;
  /** Whether Nexus's clients spoke the delivery layer. */
  delivery?: boolean;
  /** The relayed frames' mean length, in UTF-16 units. */
  frameUnits?: number | null;
}

/** The servers compared: Nexus, a bare Deno relay, and PeerJS on Node. */
export type Target = "nexus" | "bare" | "peerjs";

/** A server process pinned to one core. */
export interface ServerProcess {
  target: Target;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Settings that let the benchmark measure the relay, not the limits that protect it. */
const NEXUS_BENCH_ENV = {
  NEXUS_PRESENCE: "off",
  NEXUS_LOG_LEVEL: "warn",
  NEXUS_MAX_CONNECTIONS: "100000",
  NEXUS_MAX_CONNECTIONS_PER_IP: "100000",
  NEXUS_MESSAGES_PER_SECOND: "100000",
  NEXUS_MESSAGE_BURST: "100000",
};

let built: Promise<unknown> | undefined;

/** Installs PeerJS for Node and builds the app's bundles, once. */
export function prepare(): Promise<unknown> {
  return built ??= (async () => {
    await build(ROOT, await collectFiles(ROOT, "islands"), config);
    try {
      Deno.statSync(`${ROOT}/bench/peerjs/node_modules/peer`);
    } catch {
      const npm = await new Deno.Command("npm", {
        args: ["ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd: `${ROOT}/bench/peerjs`,
        stdout: "null",
        stderr: "inherit",
      }).output();
      if (!npm.success) throw new Error("npm ci in bench/peerjs failed");
    }
  })();
}

/** Where an instance of the bare relay meets the other over Redis: `bare_redis_relay.ts`'s arguments. */
export interface BareOverRedis {
  url: string;
  /** The channel this instance reads. */
  channel: string;
  /** The other instance's channel. */
  other: string;
}

function command(
  target: Target,
  port: number,
  overRedis?: BareOverRedis,
): string[] {
  // What a server needs: the network, its settings, its files.
  const deno = [
    Deno.execPath(),
    "run",
    "--allow-net",
    "--allow-env",
    "--allow-read",
  ];
  if (target === "bare" && overRedis) {
    return [
      ...deno,
      "bench/bare_redis_relay.ts",
      String(port),
      overRedis.url,
      overRedis.channel,
      overRedis.other,
    ];
  }
  switch (target) {
    case "nexus":
      return [...deno, "main.ts"];
    case "bare":
      return [
        Deno.execPath(),
        "run",
        "--allow-net",
        "bench/bare_relay.ts",
        String(port),
      ];
    case "peerjs":
      return ["node", "bench/peerjs/server.mjs", String(port)];
  }
}

/**
 * Starts a server pinned to `core` and waits until it accepts connections;
 * `env` adds settings, `root` is the checkout it runs from, and
 * `overRedis` makes the bare relay one of two instances sharing a Redis.
 */
export async function startServer(
  target: Target,
  core: number,
  env: Record<string, string> = {},
  root: string = ROOT,
  overRedis?: BareOverRedis,
): Promise<ServerProcess> {
  const port = freePort();
  const child = new Deno.Command("taskset", {
    args: ["-c", String(core), ...command(target, port, overRedis)],
    cwd: root,
    env: { ...NEXUS_BENCH_ENV, ...env, PORT: String(port), NO_COLOR: "1" },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  if (!await waitForPort(port, 20_000)) {
    throw new Error(`${target} did not start`);
  }
  // With a shared engine, Nexus takes sessions once it reaches it.
  if (
    target === "nexus" &&
    !await waitForReady(`http://127.0.0.1:${port}`, 20_000)
  ) {
    throw new Error("nexus did not become ready");
  }
  return {
    target,
    port,
    pid: child.pid,
    stop: async () => {
      child.kill("SIGKILL");
      await child.status;
    },
  };
}

/** The URL a client of `target` opens to sign in as `id`. */
export function clientUrl(
  target: Target,
  host: string,
  port: number,
  id: string,
): string {
  switch (target) {
    case "nexus":
      // As the page joins: it pings, and takes a long presence list in parts.
      return `ws://${host}:${port}/ws?userId=${id}&heartbeat=1&parts=1`;
    case "bare":
      return `ws://${host}:${port}/?id=${id}`;
    case "peerjs":
      return `ws://${host}:${port}/peerjs?key=peerjs&id=${id}&token=t${id}`;
  }
}

/** Runs a Deno script of the benchmark pinned to `core`, and returns the JSON lines it prints. */
export async function runPinned(
  core: number,
  script: string,
  args: string[],
): Promise<unknown[]> {
  const output = await new Deno.Command("taskset", {
    args: ["-c", String(core), Deno.execPath(), "run", "-A", script, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!output.success) throw new Error(`${script} ${args.join(" ")} failed`);
  return new TextDecoder().decode(output.stdout).split("\n").filter((line) =>
    line.startsWith("{")
  ).map((line) => JSON.parse(line));
}
