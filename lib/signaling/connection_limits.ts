/** Caps on signaling connections: in all, and from one address. */
export class ConnectionLimits {
  #total = 0;
  #byIp = new Map<string, number>();

  constructor(readonly maxTotal: number, readonly maxPerIp: number) {}

  /** Counts a new connection from `ip`, or says which cap it would pass. */
  acquire(ip: string): "ok" | "total" | "per-ip" {
    if (this.#total >= this.maxTotal) return "total";
    const fromIp = this.#byIp.get(ip) ?? 0;
    if (fromIp >= this.maxPerIp) return "per-ip";
    this.#total++;
    this.#byIp.set(ip, fromIp + 1);
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
