/**
 * The app as users run it: `main.ts` in its own process, configured by its
 * environment, serving the ahead-of-time build in `_fresh/`.
 */
import config from "../../lib/server/fresh_config.ts";
import { build } from "../../lib/fresh/src/build.ts";
import { collectFiles } from "../../lib/fresh/src/manifest.ts";
import { collectOutput, waitForReady } from "./process.ts";

const root = decodeURIComponent(new URL("../../", import.meta.url).pathname)
  .replace(/\/$/, "");
const MAIN = [
  "run",
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "main.ts",
];
let built: Promise<unknown> | undefined;

/** A running app process. */
export interface AppProcess {
  /** e.g. `http://localhost:PORT` */
  http: string;
  port: number;
  /** The process's id, e.g. to read its memory in `/proc`. */
  pid: number;
  /** Everything the process printed so far. */
  output(): string;
  /** Stops the process with SIGTERM, as a service manager would. */
  stop(): Promise<void>;
  /** Kills the process with SIGKILL: no goodbye to anyone. */
  kill(): Promise<void>;
}

/**
 * Starts `main.ts` with `env` (on a free port unless `env.PORT` names one),
 * once `deno task build` has run; inside a network namespace of the lab
 * when `namespace` names one.
 */
export async function startAppProcess(
  env: Record<string, string>,
  namespace?: string,
): Promise<AppProcess> {
  // One build for instances started together: the promise is taken before any await.
  await (built ??= collectFiles(root, "islands").then((islands) =>
    build(root, islands, config)
  ));
  const command = namespace
    ? ["ip", "netns", "exec", namespace, Deno.execPath(), ...MAIN]
    : [Deno.execPath(), ...MAIN];
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    cwd: root,
    env: { PORT: "0", ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = collectOutput(child);
  const end = async (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
    await child.status;
    await output.done;
  };
  const deadline = Date.now() + 15_000;
  let match: RegExpMatchArray | null = null;
  while (!(match = output.text().match(/"url":"(https?):\/\/[^:]+:(\d+)\/"/))) {
    if (Date.now() > deadline) {
      await end("SIGKILL");
      throw new Error(`the app did not start:\n${output.text()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const port = Number(match[2]);
  return {
    http: `${match[1]}://localhost:${port}`,
    port,
    pid: child.pid,
    output: () => output.text(),
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
  };
}

/** Waits until every instance's `/readyz` says ready, e.g. its Redis is reachable. */
export async function untilReady(instances: AppProcess[]): Promise<void> {
  for (const instance of instances) {
    if (!await waitForReady(instance.http, 10_000)) {
      throw new Error(`${instance.http} is not ready:\n${instance.output()}`);
    }
  }
}

/** Runs `main.ts` with `env` and waits for it to exit, e.g. on a bad setting. */
export async function runAppUntilExit(
  env: Record<string, string>,
): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: MAIN,
    cwd: root,
    env: { ...env, NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}
