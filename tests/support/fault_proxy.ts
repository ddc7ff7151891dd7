/**
 * A TCP proxy that does to connections what bad networks do: at a random
 * moment of a connection's life (from a seeded generator, so a failing run
 * can be run again), it stalls one direction or both without closing
 * anything (what it holds goes on when the stall ends, as TCP retransmits),
 * blackholes the connection for good (a NAT that forgot it: nothing more
 * passes, no close is told), resets it, or delays it. Between real clients
 * and a real server, on loopback. Test-only.
 */

/** What may happen to a connection. */
export type Fault =
  | "stall-up"
  | "stall-down"
  | "stall-both"
  | "blackhole"
  | "reset"
  | "delay";

const FAULTS: Fault[] = [
  "stall-up",
  "stall-down",
  "stall-both",
  "blackhole",
  "reset",
  "delay",
];

/** A small seeded generator (mulberry32): the same seed, the same faults. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How faults are drawn. */
export interface FaultPlan {
  seed: number;
  /** The chance that a new connection meets a fault at all. */
  chance: number;
  /** The latest moment of a connection's life a fault may come, in ms. */
  withinMs: number;
  /** How long a stall or a delay lasts, at most, in ms. */
  longestMs: number;
}

/** One direction of a connection: what it forwards, and whether it holds it back. */
class Pipe {
  held: Uint8Array[] = [];
  stalled = false;
  dropped = false;
  delayMs = 0;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly from: Deno.Conn,
    private readonly to: Deno.Conn,
  ) {}

  async run(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      let read: number | null;
      try {
        read = await this.from.read(buffer);
      } catch {
        read = null;
      }
      if (read === null) {
        // The other side closed: told on unless the connection is blackholed or stalled.
        await this.#chain;
        if (!this.dropped) this.#closeWhenFlowing();
        return;
      }
      const chunk = buffer.slice(0, read);
      if (this.dropped) continue;
      if (this.stalled) {
        this.held.push(chunk);
        continue;
      }
      this.#forward(chunk);
    }
  }

  #forward(chunk: Uint8Array): void {
    const delay = this.delayMs;
    this.#chain = this.#chain.then(async () => {
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      await writeAll(this.to, chunk).catch(() => {});
    });
  }

  #closeWhenFlowing(): void {
    // Gone already, or closed by the other pipe: nothing to tell.
    const close = () => void this.to.closeWrite().catch(() => {});
    if (!this.stalled) return close();
    this.#onFlow = close;
  }

  #onFlow: (() => void) | null = null;

  /** The stall ends: what was held goes on, in order. */
  flow(): void {
    this.stalled = false;
    for (const chunk of this.held.splice(0)) this.#forward(chunk);
    const onFlow = this.#onFlow;
    this.#onFlow = null;
    if (onFlow) this.#chain = this.#chain.then(onFlow);
  }
}

async function writeAll(conn: Deno.Conn, chunk: Uint8Array): Promise<void> {
  for (let at = 0; at < chunk.length;) {
    at += await conn.write(chunk.subarray(at));
  }
}

/** A running proxy. */
export interface FaultProxy {
  port: number;
  /** How many connections met each fault. */
  faults: Record<Fault, number>;
  connections: number;
  /** No fault for connections from now on; those under way end theirs as planned. */
  calm(): void;
  /** Every connection open now passes nothing more, both ways, and nobody is told. */
  blackhole(): void;
  stop(): Promise<void>;
}

/**
 * Starts a proxy on a free loopback port in front of `upstream`: a port, or
 * a choice made for each new connection (a load balancer's).
 */
export function startFaultProxy(
  upstream: number | (() => number),
  plan: FaultPlan,
): FaultProxy {
  const random = seeded(plan.seed);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const pipes = new Set<Pipe>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let calm = false;
  const proxy: FaultProxy = {
    port: (listener.addr as Deno.NetAddr).port,
    faults: Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<
      Fault,
      number
    >,
    connections: 0,
    calm: () => void (calm = true),
    blackhole: () => {
      for (const pipe of pipes) pipe.dropped = true;
    },
    async stop() {
      listener.close();
      for (const timer of timers) clearTimeout(timer);
      for (const conn of open) {
        try {
          conn.close();
        } catch {
          // Closed already.
        }
      }
      await accepting;
    },
  };
  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };
  const handle = async (client: Deno.Conn) => {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({
        hostname: "127.0.0.1",
        port: typeof upstream === "number" ? upstream : upstream(),
      });
    } catch {
      client.close();
      return;
    }
    open.add(client);
    open.add(server);
    proxy.connections++;
    const up = new Pipe(client, server);
    const down = new Pipe(server, client);
    pipes.add(up).add(down);
    if (!calm && random() < plan.chance) {
      const fault = FAULTS[Math.floor(random() * FAULTS.length)];
      const at = random() * plan.withinMs;
      const lasts = 200 + random() * (plan.longestMs - 200);
      later(at, () => {
        proxy.faults[fault]++;
        switch (fault) {
          case "stall-up":
          case "stall-down":
          case "stall-both": {
            const pipes = fault === "stall-up"
              ? [up]
              : fault === "stall-down"
              ? [down]
              : [up, down];
            for (const pipe of pipes) pipe.stalled = true;
            later(lasts, () => pipes.forEach((pipe) => pipe.flow()));
            return;
          }
          case "blackhole":
            up.dropped = down.dropped = true;
            return;
          case "reset":
            for (const conn of [client, server]) {
              try {
                conn.close();
              } catch {
                // Closed already.
              }
            }
            return;
          case "delay":
            up.delayMs = down.delayMs = lasts / 4;
            later(lasts, () => void (up.delayMs = down.delayMs = 0));
        }
      });
    }
    await Promise.all([up.run(), down.run()]);
    pipes.delete(up);
    pipes.delete(down);
    for (const conn of [client, server]) {
      open.delete(conn);
      try {
        conn.close();
      } catch {
        // Closed already.
      }
    }
  };
  const accepting = (async () => {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await listener.accept();
      } catch {
        return;
      }
      handle(client);
    }
  })();
  return proxy;
}
