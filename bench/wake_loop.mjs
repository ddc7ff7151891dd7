// What it costs a runtime to sleep and be woken, with nothing else to do:
// awaits a 1 ms timer TURNS times and prints the CPU (user + system) and the
// wall time per turn as a JSON line. Plain JavaScript, none of Nexus, so that
// Deno and Node run the very same loop: `deno run wake_loop.mjs TURNS`,
// `node wake_loop.mjs TURNS`.
import process from "node:process";

const turns = Number(process.argv.at(-1));
const before = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < turns; i++) {
  await new Promise((resolve) => setTimeout(resolve, 1));
}
const used = process.cpuUsage(before);
console.log(JSON.stringify({
  cpuUsPerWake: Math.round(((used.user + used.system) / turns) * 10) / 10,
  wallMsPerWake: Math.round(((performance.now() - started) / turns) * 100) /
    100,
}));
