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

/** A loopback port no one listens on now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
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
