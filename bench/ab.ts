/**
 * `deno task bench:ab [REF] [--runs N] [--pairs P] [--rates R1,R2]`: the
 * relay step, interleaved A/B between the commit REF (the one before this
 * one by default) and this checkout. Each run starts REF's server, measures,
 * then this checkout's, so slow drift of the machine falls on both alike.
 * Prints each run and the medians of p50, p99 and server CPU per message,
 * and the ratio this/REF. With `--delivery`, this checkout's load clients
 * speak the delivery layer (REF's as before): the layer's cost against the
 * commit before it; with `--delivery=both`, both sides' do: a change's cost
 * to a server that speaks the layer.
 */
import { parseArgs } from "node:util";
import {
  median,
  prepare,
  type RelayResult,
  ROOT,
  runPinned,
  startServer,
} from "./support.ts";

const { values, positionals } = parseArgs({
  // A bare `--delivery` means this checkout's clients only.
  args: Deno.args.map((arg) => arg === "--delivery" ? "--delivery=this" : arg),
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "3" },
    pairs: { type: "string", default: "1000" },
    rates: { type: "string", default: "10000,20000" },
    seconds: { type: "string", default: "5" },
    delivery: { type: "string" },
  },
});
const ref = positionals[0] ?? "HEAD~1";
const SERVER_CORE = 0;
const LOAD_CORE = 1;

function git(...args: string[]): string {
  const output = new Deno.Command("git", { args, cwd: ROOT }).outputSync();
  if (!output.success) {
    throw new Error(
      `git ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
  return new TextDecoder().decode(output.stdout).trim();
}

/** A checkout of REF beside this one, built the way REF builds itself. */
async function checkout(): Promise<{ root: string; remove(): void }> {
  const root = await Deno.makeTempDir({ prefix: "nexus-ab-" });
  git("worktree", "add", "--detach", root, ref);
  const built = await new Deno.Command(Deno.execPath(), {
    args: ["task", "build"],
    cwd: root,
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!built.success) throw new Error(`${ref} did not build`);
  return {
    root,
    remove: () => git("worktree", "remove", "--force", root),
  };
}

async function measure(
  root: string,
  delivery: boolean,
): Promise<RelayResult[]> {
  const server = await startServer("nexus", SERVER_CORE, {}, root);
  try {
    return await runPinned(LOAD_CORE, "bench/relay_load.ts", [
      "nexus",
      String(server.port),
      String(server.pid),
      values.pairs,
      values.seconds,
      values.rates,
      ...(delivery ? ["delivery"] : []),
    ]) as RelayResult[];
  } finally {
    await server.stop();
  }
}

await prepare();
const before = await checkout();
const sides = { before: before.root, after: ROOT };
const results: Record<keyof typeof sides, RelayResult[][]> = {
  before: [],
  after: [],
};
try {
  for (let run = 0; run < Number(values.runs); run++) {
    for (const side of ["before", "after"] as const) {
      const steps = await measure(
        sides[side],
        values.delivery === "both" ||
          (side === "after" && values.delivery !== undefined),
      );
      results[side].push(steps);
      console.log(
        `${side} ${run}: ` +
          steps.map((step) =>
            `${step.offered} msg/s p50 ${step.p50Ms} ms p99 ${step.p99Ms} ms cpu ${step.serverCpuUsPerMessage} µs/msg`
          ).join("; "),
      );
    }
  }
} finally {
  before.remove();
}

const rates = results.after[0].map((step) => step.offered);
console.log(`\nmedians of ${values.runs} runs, ${ref} → this checkout:`);
for (const [index, rate] of rates.entries()) {
  const of = (side: "before" | "after", key: keyof RelayResult) =>
    median(results[side].map((steps) => Number(steps[index][key])));
  const line = (["p50Ms", "p99Ms", "serverCpuUsPerMessage"] as const).map(
    (key) => {
      const a = of("before", key);
      const b = of("after", key);
      return `${key} ${a} → ${b} (${(b / a).toFixed(3)}×)`;
    },
  );
  console.log(`${rate} msg/s: ${line.join(", ")}`);
}
