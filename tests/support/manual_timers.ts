/**
 * Manual timers: time moves only when a test advances it, for the hub, the
 * call machine and the signaling session alike.
 * @module
 */

/** Timers that run only when the test says so. */
export class ManualTimers {
  #next = 1;
  #pending = new Map<number, { at: number; callback: () => void }>();
  now = 0;

  setTimeout = (callback: () => void, ms: number): number => {
    const handle = this.#next++;
    this.#pending.set(handle, { at: this.now + ms, callback });
    return handle;
  };
  clearTimeout = (handle: unknown): void => {
    this.#pending.delete(handle as number);
  };
  /** Moves time forward, running what falls due. */
  advance(ms: number): void {
    this.now += ms;
    for (
      const [handle, timer] of [...this.#pending].sort((a, b) =>
        a[1].at - b[1].at
      )
    ) {
      if (timer.at > this.now) continue;
      this.#pending.delete(handle);
      timer.callback();
    }
  }
  /** How many timers wait. */
  get size(): number {
    return this.#pending.size;
  }
}

/** The hub's view of manual timers. */
export function hubTimers(timers: ManualTimers) {
  return { set: timers.setTimeout, clear: timers.clearTimeout };
}
