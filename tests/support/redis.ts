/** A real redis-server on a loopback port, in memory only, that tests may stop and start again. */
import { REDIS } from "./environment.ts";
import { collectOutput, freePort, waitForPort } from "./process.ts";

/** A running Redis. */
export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:PORT` */
  url: string;
  /** The process id of the redis-server running now. */
  pid(): number;
  /** Stops it: SIGTERM, or SIGKILL to lose it the hard way. */
  stop(signal?: Deno.Signal): Promise<void>;
  /** Starts it again on the same port, empty: Redis that restarted without persistence. */
  restart(): Promise<void>;
}

/** Starts redis-server on `port` with no persistence, so nothing is written to disk. */
export async function startRedis(port = freePort()): Promise<RedisServer> {
  let current = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => current.pid,
    stop: (signal) => current.stop(signal),
    async restart() {
      await current.stop();
      current = await launch(port);
    },
  };
}

async function launch(
  port: number,
): Promise<{ pid: number; stop(signal?: Deno.Signal): Promise<void> }> {
  const child = new Deno.Command(REDIS.path, {
    args: [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = collectOutput(child);
  let stopped = false;
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
    await child.status;
    await output.done;
  };
  if (!await waitForPort(port, 10_000)) {
    await stop();
    throw new Error(
      `redis-server did not start on port ${port}:\n${output.text()}`,
    );
  }
  return { pid: child.pid, stop };
}
