/**
 * The app as users run it: `main.ts` in its own process, configured by its
 * environment, serving the ahead-of-time build in `_fresh/`.
 */
import config from "../../lib/fresh_config.ts";
import { build } from "../../lib/fresh/src/build.ts";
import { collectFiles } from "../../lib/fresh/src/manifest.ts";

const root = decodeURIComponent(new URL("../../", import.meta.url).pathname)
  .replace(/\/$/, "");
let built: Promise<unknown> | undefined;

/** A running app process. */
export interface AppProcess {
  /** e.g. `http://localhost:PORT` */
  http: string;
  port: number;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `main.ts` with `env` on a free port, once `deno task build` has run. */
export async function startAppProcess(
  env: Record<string, string>,
): Promise<AppProcess> {
  await (built ??= build(root, await collectFiles(root, "islands"), config));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "main.ts"],
    cwd: root,
    env: { ...env, PORT: "0", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let printed = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      printed += decoder.decode(chunk, { stream: true });
    }
  };
  const done = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const deadline = Date.now() + 15_000;
  let match: RegExpMatchArray | null = null;
  while (!(match = printed.match(/"url":"(https?):\/\/[^:]+:(\d+)\/"/))) {
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`the app did not start:\n${printed}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const port = Number(match[2]);
  return {
    http: `${match[1]}://localhost:${port}`,
    port,
    output: () => printed,
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
      await done;
    },
  };
}

/** Runs `main.ts` with `env` and waits for it to exit, e.g. on a bad setting. */
export async function runAppUntilExit(
  env: Record<string, string>,
): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "main.ts"],
    cwd: root,
    env: { ...env, NO_COLOR: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}
