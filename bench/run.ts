/**
 * `deno task bench [--quick]`: every benchmark, side by side with a bare
 * Deno relay and PeerJS, measured in one run on this machine. Servers run on
 * core 0 and load generators on core 1. Writes `bench/results/latest.json`
 * and `bench/README.md` (table and chart); `--quick` runs a small version of
 * everything, to prove the harness works, into `bench/results/quick.json`.
 */
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../tests/support/browser.ts";
import { gzippedSize, pageScripts } from "../tests/support/page_weight.ts";
import { freePort } from "../tests/support/process.ts";
import { startRedis } from "../tests/support/redis.ts";
import { FIRST_FRAME_PROBE, FLOOR } from "./call_setup.ts";
import { accountsBench } from "./accounts.ts";
import { pushBench } from "./push_ring.ts";
import { callLinkBench } from "./call_link.ts";
import { deliveryRecoveryBench } from "./delivery_recovery.ts";
import { badNetworks } from "./lab_bad_networks.ts";
import { labCallSetup } from "./lab_setup.ts";
import { wakeCost } from "./wake_cost.ts";
import {
  median,
  prepare,
  type RelayResult,
  ROOT,
  rssKiB,
  runPinned,
  type ServerProcess,
  startServer,
  type Target,
} from "./support.ts";

const quick = Deno.args.includes("--quick");
const SERVER_CORE = 0;
const LOAD_CORE = 1;

const plan = quick
  ? {
    relay: [{ pairs: 20, rates: [2_000] }],
    seconds: 1,
    connections: [400],
    presenceSessions: 200,
    presenceRounds: 1,
    calls: 2,
    firstCalls: 1,
    coldStarts: 2,
    scaleOut: { pairs: 20, rates: [2_000] },
  }
  : {
    relay: [{ pairs: 100, rates: [5_000, 10_000, 20_000] }, {
      pairs: 1_000,
      rates: [10_000, 20_000],
    }],
    seconds: 5,
    // The machine allows 20,000 open files per process, so the largest step stays below it.
    connections: [10_000, 19_500],
    presenceSessions: 2_000,
    presenceRounds: 3,
    calls: 10,
    firstCalls: 5,
    coldStarts: 5,
    scaleOut: { pairs: 200, rates: [2_000, 5_000, 10_000] },
  };

function log(message: string) {
  console.error(`[bench] ${message}`);
}

async function relay(): Promise<RelayResult[]> {
  const results: RelayResult[] = [];
  for (const { pairs, rates } of plan.relay) {
    // Nexus twice: clients as before, and clients speaking the delivery layer as the page does.
    for (
      const [target, mode] of [
        ["nexus", ""],
        ["nexus", "delivery"],
        ["bare", ""],
        ["peerjs", ""],
      ] as const
    ) {
      log(
        `relay: ${target}${mode && ` (${mode})`}, ${pairs} pairs, ${
          rates.join(" / ")
        } msg/s`,
      );
      const server = await startServer(target, SERVER_CORE);
      try {
        const lines = await runPinned(LOAD_CORE, "bench/relay_load.ts", [
          target,
          String(server.port),
          String(server.pid),
          String(pairs),
          String(plan.seconds),
          rates.join(","),
          ...(mode ? [mode] : []),
        ]);
        results.push(...lines as RelayResult[]);
      } finally {
        await server.stop();
      }
    }
  }
  return results;
}

/** One relay step of one engine: in-process, or over Redis between two instances (their CPU and Redis's). */
interface ScaleOutResult extends RelayResult {
  engine: "memory" | "redis";
}

/**
 * The same pairs and rates, first through one instance with the in-process
 * engine, then with each pair split over two instances sharing a Redis, so
 * that every message goes through Redis; Nexus, then the bare relay the
 * same two ways (`bare_redis_relay.ts`): what Redis costs this runtime with
 * none of Nexus. Everything server-side (both instances and redis-server)
 * shares core 0, as the single instance does.
 */
async function scaleOut(): Promise<ScaleOutResult[]> {
  const { pairs, rates } = plan.scaleOut;
  const results: ScaleOutResult[] = [];
  const measure = async (
    target: Target,
    engine: ScaleOutResult["engine"],
    servers: ServerProcess[],
    pids: number[],
  ) => {
    const lines = await runPinned(LOAD_CORE, "bench/relay_load.ts", [
      target,
      servers.map((server) => server.port).join(","),
      pids.join(","),
      String(pairs),
      String(plan.seconds),
      rates.join(","),
    ]);
    for (const line of lines as RelayResult[]) {
      results.push({ ...line, engine });
    }
  };
  for (const target of ["nexus", "bare"] as const) {
    log(
      `scale-out: ${target}, in-process, ${pairs} pairs, ${
        rates.join(" / ")
      } msg/s`,
    );
    const single = await startServer(target, SERVER_CORE);
    try {
      await measure(target, "memory", [single], [single.pid]);
    } finally {
      await single.stop();
    }
    log(`scale-out: ${target}, two instances over Redis, ${pairs} pairs`);
    const redis = await startRedis();
    const instances: ServerProcess[] = [];
    try {
      await new Deno.Command("taskset", {
        args: ["-p", "-c", String(SERVER_CORE), String(redis.pid())],
        stdout: "null",
      }).output();
      for (const [channel, other] of [["a", "b"], ["b", "a"]]) {
        instances.push(
          target === "nexus"
            ? await startServer(target, SERVER_CORE, {
              NEXUS_REDIS_URL: redis.url,
            })
            : await startServer(target, SERVER_CORE, {}, ROOT, {
              url: redis.url,
              channel,
              other,
            }),
        );
      }
      await measure(target, "redis", instances, [
        ...instances.map((instance) => instance.pid),
        redis.pid(),
      ]);
    } finally {
      for (const instance of instances) await instance.stop();
      await redis.stop();
    }
  }
  return results;
}

interface ConnectionsResult {
  target: Target;
  sessions: number;
  acceptMs: number;
  rssPerSessionKiB: number;
}

/** Opens `sessions` idle sessions to a fresh `target` started with `env`; how long and how much memory they took. */
async function idleSessions(
  target: Target,
  sessions: number,
  env: Record<string, string> = {},
): Promise<{ acceptMs: number; rssPerSessionKiB: number }> {
  const server = await startServer(target, SERVER_CORE, env);
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = rssKiB(server.pid);
    const generators = Math.max(1, Math.ceil(sessions / 5_000));
    const share = Math.ceil(sessions / generators);
    const started = performance.now();
    const children = Array.from(
      { length: generators },
      (_, g) =>
        new Deno.Command("taskset", {
          args: [
            "-c",
            String(LOAD_CORE),
            Deno.execPath(),
            "run",
            "-A",
            "bench/connections_load.ts",
            target,
            String(server.port),
            String(g * share),
            String(Math.min(share, sessions - g * share)),
            "127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4",
          ],
          cwd: ROOT,
          stdin: "piped",
          stdout: "piped",
          stderr: "inherit",
        }).spawn(),
    );
    await Promise.all(children.map(async (child) => {
      const reader = child.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error("a connections generator stopped early");
        text += value;
      }
      reader.releaseLock();
    }));
    const acceptMs = Math.round(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = rssKiB(server.pid);
    for (const child of children) {
      await child.stdin.close();
      await child.stdout.cancel().catch(() => {});
      child.kill("SIGKILL");
      await child.status;
    }
    return {
      acceptMs,
      rssPerSessionKiB: Math.round(((after - before) / sessions) * 100) / 100,
    };
  } finally {
    await server.stop();
  }
}

async function connections(): Promise<ConnectionsResult[]> {
  const results: ConnectionsResult[] = [];
  for (const sessions of plan.connections) {
    for (const target of ["nexus", "bare"] as const) {
      log(`connections: ${target}, ${sessions} idle sessions`);
      results.push({
        target,
        sessions,
        ...await idleSessions(target, sessions),
      });
    }
  }
  return results;
}

interface PresenceResult {
  presence: "on" | "off";
  sessions: number;
  /** From the first join to the last session signed in. */
  acceptMs: number;
  rssPerSessionKiB: number;
}

/** Nexus with presence on against off, interleaved: what telling everyone of every join costs. */
async function presence(): Promise<PresenceResult[]> {
  const results: PresenceResult[] = [];
  for (let round = 0; round < plan.presenceRounds; round++) {
    for (const setting of ["off", "on"] as const) {
      log(
        `presence ${setting}: ${plan.presenceSessions} joins, round ${
          round + 1
        }`,
      );
      results.push({
        presence: setting,
        sessions: plan.presenceSessions,
        ...await idleSessions("nexus", plan.presenceSessions, {
          NEXUS_PRESENCE: setting,
        }),
      });
    }
  }
  return results;
}

async function userPage(
  browser: Browser,
  base: string,
  id: string,
): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.addInitScript(FIRST_FRAME_PROBE);
  await page.goto(base);
  await page.getByRole("textbox", { name: /your id/i }).fill(id);
  await page.getByRole("button", { name: /join/i }).click();
  await page.getByRole("status").filter({ hasText: `Signed in as ${id}` })
    .waitFor();
  return page;
}

/** `caller` calls `calleeId` on `callee`, which accepts: Accept → first remote frame on both; then hangs up. */
async function oneCall(
  caller: Page,
  callee: Page,
  calleeId: string,
  ringMs = 0,
): Promise<number> {
  await caller.getByRole("textbox", { name: /user to call/i }).fill(calleeId);
  await caller.getByRole("button", { name: /video call/i }).click();
  const accept = callee.getByRole("button", { name: /accept/i });
  if (ringMs > 0) {
    await accept.waitFor();
    await new Promise((resolve) => setTimeout(resolve, ringMs));
  }
  await accept.click();
  const read = (page: Page, name: string) =>
    page.waitForFunction(
      (name) => (window as unknown as Record<string, number>)[name],
      name,
    ).then((h) => h.jsonValue() as Promise<number>);
  const acceptedAt = await read(callee, "__acceptedAt");
  const frames = await Promise.all([
    read(caller, "__firstRemoteFrame"),
    read(callee, "__firstRemoteFrame"),
  ]);
  await caller.getByRole("button", { name: /end call/i }).click({
    timeout: 15_000,
  }).catch(async (error) => {
    // Say what the caller's page showed instead, for whoever reads the failure.
    const said = await caller.getByRole("status").allTextContents();
    throw new Error(
      `End call was not there; the caller's page said: ${
        JSON.stringify(said)
      } (${(error as Error).message.split("\n")[0]})`,
    );
  });
  for (const page of [caller, callee]) {
    await page.locator('[data-call-state="idle"]').waitFor();
  }
  return Math.max(...frames) - acceptedAt;
}

/** How long a first call rings before it is answered: a person hears the ring first. */
const PERSON_RING_MS = 1_000;

async function callSetup() {
  const app = await startServer("nexus", SERVER_CORE);
  const browser = await launchChromium();
  try {
    const base = `http://localhost:${app.port}/`;
    const alice = await userPage(browser, base, "alice");
    const bob = await userPage(browser, base, "bob");
    const setups: number[] = [];
    for (let i = 0; i < plan.calls; i++) {
      log(`call setup: call ${i + 1} of ${plan.calls}`);
      for (const page of [alice, bob]) {
        await page.evaluate(() =>
          (window as unknown as Record<string, unknown>).__firstRemoteFrame =
            null
        );
      }
      // The two take turns calling, as people do, within the ring-spam limit.
      const [caller, callee, calleeId] = i % 2
        ? [bob, alice, "alice"]
        : [alice, bob, "bob"];
      setups.push(await oneCall(caller, callee, calleeId));
    }
    const floorPage = await (await browser.newContext()).newPage();
    await floorPage.goto(base);
    const floors: number[] = [];
    for (let i = 0; i < plan.calls; i++) {
      floors.push(await floorPage.evaluate(FLOOR));
    }
    // A person's first call: two fresh pages, each in a new browser context, against the
    // floor's first run in a fresh page of its own; taking turns with a warm call's pages.
    // Answered as a person would, after the ring has been heard for a
    // second (people take longer); and at once, the moment Accept shows.
    const firsts: number[] = [];
    const firstsAtOnce: number[] = [];
    const firstFloors: number[] = [];
    for (let i = 0; i < plan.firstCalls; i++) {
      log(
        `call setup: first call of fresh pages, ${i + 1} of ${plan.firstCalls}`,
      );
      for (
        const [ringMs, samples] of [[PERSON_RING_MS, firsts], [
          0,
          firstsAtOnce,
        ]] as const
      ) {
        const caller = await userPage(
          browser,
          base,
          `first-caller-${i}-${ringMs}`,
        );
        const callee = await userPage(
          browser,
          base,
          `first-callee-${i}-${ringMs}`,
        );
        samples.push(
          await oneCall(caller, callee, `first-callee-${i}-${ringMs}`, ringMs),
        );
        for (const page of [caller, callee]) await page.context().close();
      }
      const fresh = await (await browser.newContext()).newPage();
      await fresh.goto(base);
      firstFloors.push(await fresh.evaluate(FLOOR));
      await fresh.context().close();
    }
    return {
      calls: plan.calls,
      medianMs: Math.round(median(setups)),
      floorMedianMs: Math.round(median(floors)),
      ratio: Math.round((median(setups) / median(floors)) * 100) / 100,
      samplesMs: setups.map(Math.round),
      floorSamplesMs: floors.map(Math.round),
      first: {
        calls: plan.firstCalls,
        ringMs: PERSON_RING_MS,
        medianMs: Math.round(median(firsts)),
        floorMedianMs: Math.round(median(firstFloors)),
        ratio: Math.round((median(firsts) / median(firstFloors)) * 100) / 100,
        atOnceMedianMs: Math.round(median(firstsAtOnce)),
        atOnceRatio:
          Math.round((median(firstsAtOnce) / median(firstFloors)) * 100) /
          100,
      },
    };
  } finally {
    await browser.close();
    await app.stop();
  }
}

async function pageWeight() {
  const app = await startServer("nexus", SERVER_CORE);
  let nexus: number;
  try {
    nexus = gzippedSize(
      (await pageScripts(`http://127.0.0.1:${app.port}`)).values(),
    );
  } finally {
    await app.stop();
  }
  const out = await Deno.makeTempFile({ suffix: ".js" });
  try {
    const bundled = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform=browser",
        "--format=esm",
        "--minify",
        `--output=${out}`,
        "bench/react_app.ts",
      ],
      cwd: ROOT,
      env: { NODE_ENV: "production" },
    }).output();
    if (!bundled.success) {
      throw new Error(new TextDecoder().decode(bundled.stderr));
    }
    const react = gzipSync(await Deno.readFile(out), { level: 9 }).length;
    return {
      nexusGzipBytes: nexus,
      reactZustandGzipBytes: react,
      ratio: Math.round((nexus / react) * 100) / 100,
    };
  } finally {
    await Deno.remove(out);
  }
}

async function coldStart() {
  const samples: number[] = [];
  for (let i = 0; i < plan.coldStarts; i++) {
    const port = freePort();
    const started = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--allow-env", "--allow-read", "main.ts"],
      cwd: ROOT,
      env: { PORT: String(port), NEXUS_LOG_LEVEL: "warn" },
      stdout: "null",
      stderr: "null",
    }).spawn();
    while (true) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        await response.body?.cancel();
        if (response.status === 200) break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    samples.push(performance.now() - started);
    child.kill("SIGKILL");
    await child.status;
  }
  return {
    medianMs: Math.round(median(samples)),
    samplesMs: samples.map(Math.round),
  };
}

function version(args: string[]): string {
  try {
    return new TextDecoder().decode(
      new Deno.Command(args[0], { args: args.slice(1) }).outputSync().stdout,
    ).trim()
      .split("\n")[0];
  } catch {
    return "unknown";
  }
}

const started = performance.now();
await prepare();
log(quick ? "quick run: a small version of every benchmark" : "full run");
/** Everything one run measured. */
export type BenchResults = typeof results;

const results = {
  date: new Date().toISOString(),
  quick,
  machine: {
    cores: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    node: version(["node", "--version"]),
    chromium: version(["/usr/bin/chromium", "--version"]),
  },
  relay: await relay(),
  scaleOut: await scaleOut(),
  wakeCost: await wakeCost(SERVER_CORE, quick ? 200 : 3_000),
  connections: await connections(),
  presence: await presence(),
  callSetup: await callSetup(),
  labSetup: await labCallSetup(quick ? 2 : 10, log),
  badNetworks: await badNetworks(quick ? 1 : 5, quick ? 1 : 3, log),
  pageWeight: await pageWeight(),
  coldStart: await coldStart(),
  accounts: await accountsBench(quick ? 10 : 200, quick ? 2 : 10, log),
  push: await pushBench(quick ? 2 : 10, log),
  callLinks: await callLinkBench(quick ? 2 : 10, log),
  deliveryRecovery: await deliveryRecoveryBench(quick ? 2 : 10, log),
  seconds: 0,
};
results.seconds = Math.round((performance.now() - started) / 1000);

const file = `${ROOT}/bench/results/${quick ? "quick" : "latest"}.json`;
await Deno.writeTextFile(file, JSON.stringify(results, null, 2) + "\n");
log(`wrote ${file} after ${results.seconds} s`);
if (!quick) {
  const { renderReport } = await import("./report.ts");
  await renderReport(results);
  log("wrote bench/README.md and bench/results/chart.svg");
}
