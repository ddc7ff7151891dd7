/** Helpers for the programs tests and benchmarks start: their output, and their port. */

/** Gathers what a child process prints on stdout and stderr, as it prints it. */
export function collectOutput(
  child: Deno.ChildProcess,
): { text(): string; done: Promise<unknown> } {
  let printed = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      printed += decoder.decode(chunk, { stream: true });
    }
  };
  return {
    text: () => printed,
    done: Promise.all([collect(child.stdout), collect(child.stderr)]),
  };
}

/** Waits until something accepts TCP connections on a loopback port; false if nothing did in time. */
export async function waitForPort(
  port: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return false;
}

/** Waits until the app at `base` answers `/readyz` with 200; false if it did not in time. */
export async function waitForReady(
  base: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const response = await fetch(`${base}/readyz`);
    await response.body?.cancel();
    if (response.ok) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Ports this process has handed out, never handed out twice. */
const handedOut = new Set<number>();

/**
 * A loopback port no one listens on now, for a service started later. It is
 * chosen below the kernel's ephemeral range: a port the kernel picked for
 * `port: 0` and was given back would be picked again, for another server or
 * an outgoing connection, before the service binds it (an instance started
 * with Redis down once found its own HTTP server where Redis was to be).
 */
export function freePort(): number {
  const lowestEphemeral = ephemeralRangeStart();
  const low = Math.max(1024, lowestEphemeral - 12_000);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (lowestEphemeral - low));
    if (handedOut.has(port)) continue;
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
    } catch {
      continue;
    }
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port in ${low}–${lowestEphemeral - 1}`);
}

/** The first port the kernel hands out for `port: 0` and outgoing sockets. */
function ephemeralRangeStart(): number {
  try {
    const range = Deno.readTextFileSync(
      "/proc/sys/net/ipv4/ip_local_port_range",
    );
    return Number(range.trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * Starts a service program that listens on loopback `port`, and waits until
 * it does (or until `ready` says so, for one that listens elsewhere); `dir`
 * (its files) is removed when it stops. Throws with what it printed when it
 * does not come up.
 */
export async function startService(
  name: string,
  path: string,
  args: string[],
  port: number,
  dir: string,
  ready: () => Promise<boolean> = () => waitForPort(port, 10_000),
): Promise<{ stop(): Promise<void>; output(): string }> {
  const child = new Deno.Command(path, {
    args,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = collectOutput(child);
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
    await output.done;
    await Deno.remove(dir, { recursive: true });
  };
  if (!await ready()) {
    await stop();
    throw new Error(`${name} did not start:\n${output.text()}`);
  }
  return { stop, output: output.text };
}
