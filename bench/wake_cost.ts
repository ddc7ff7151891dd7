/**
 * The floor under a message over Redis: what it costs this runtime to sleep
 * and be woken ([wake_loop.mjs](wake_loop.mjs), a 1 ms timer awaited again
 * and again, none of Nexus), in Deno and, for the runtime's share, in Node.
 * Every batch of messages one instance publishes for another wakes three
 * processes (the publisher for Redis's reply, Redis, the subscriber); on one
 * instance a message wakes nobody beyond the server it arrives at.
 * @module
 */
import { ROOT } from "./support.ts";

/** One runtime's cost of a wake-up. */
export interface WakeCost {
  cpuUsPerWake: number;
  wallMsPerWake: number;
}

/** The cost of a wake-up in Deno and in Node, each pinned to `core`, over `turns` turns. */
export async function wakeCost(
  core: number,
  turns: number,
): Promise<{ turns: number; deno: WakeCost; node: WakeCost }> {
  const loop = `${ROOT}/bench/wake_loop.mjs`;
  const run = async (args: string[]) => {
    const output = await new Deno.Command("taskset", {
      args: ["-c", String(core), ...args, loop, String(turns)],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!output.success) throw new Error(`${args[0]} ${loop} failed`);
    return JSON.parse(new TextDecoder().decode(output.stdout)) as WakeCost;
  };
  return {
    turns,
    deno: await run([Deno.execPath(), "run"]),
    node: await run(["node"]),
  };
}
