/**
 * Caps on signaling connections: in all, from one address, and how often one
 * user may connect.
 * @module
 */
import { KeyedBuckets, type RateLimit } from "./rate_limit.ts";

/**
 * How often one user may open a connection, by default: a burst (several
 * tabs, a flaky network), then one a second. A page reconnecting in a loop
 * can make no more presence news than that.
 */
export const DEFAULT_JOIN_LIMIT: RateLimit = { capacity: 20, perSecond: 1 };

/** Caps on signaling connections: in all, from one address, and joins per user. */
export class ConnectionLimits {
  #total = 0;
  #byIp = new Map<string, number>();
  #joins: KeyedBuckets;

  constructor(
    readonly maxTotal: number,
    readonly maxPerIp: number,
    joinLimit: RateLimit = DEFAULT_JOIN_LIMIT,
  ) {
    this.#joins = new KeyedBuckets(joinLimit);
  }

  /** Whether `userId` may open another connection now; counts it when so. */
  joinAllowed(userId: string): boolean {
    return this.#joins.take(userId);
  }

  /** Which cap a new connection from `ip` would pass, if any, without counting it. */
  check(ip: string): "ok" | "total" | "per-ip" {
    if (this.#total >= this.maxTotal) return "total";
    if ((this.#byIp.get(ip) ?? 0) >= this.maxPerIp) return "per-ip";
    return "ok";
  }

  /** Counts a new connection from `ip`, or says which cap it would pass. */
  acquire(ip: string): "ok" | "total" | "per-ip" {
    const capped = this.check(ip);
    if (capped !== "ok") return capped;
    this.#total++;
    this.#byIp.set(ip, (this.#byIp.get(ip) ?? 0) + 1);
    return "ok";
  }

  /** Forgets a connection from `ip` that has closed. */
  release(ip: string): void {
    const fromIp = this.#byIp.get(ip) ?? 0;
    if (fromIp === 0) return;
    this.#total--;
    if (fromIp === 1) this.#byIp.delete(ip);
    else this.#byIp.set(ip, fromIp - 1);
  }

  /** Connections counted now. */
  get total(): number {
    return this.#total;
  }
}
