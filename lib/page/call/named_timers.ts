/**
 * A set of timers known by name, at most one running per name: what the
 * peer link's recovery counts on ("is a restart already waiting?").
 * @module
 */

/** Where the timers come from: the browser's, or manual ones in tests. */
export interface TimerDeps {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Timers by name; setting one stops the one of that name still running. */
export class NamedTimers<Name extends string> {
  #deps: TimerDeps;
  #running = new Map<Name, unknown>();

  constructor(deps: TimerDeps) {
    this.#deps = deps;
  }

  /** Starts the timer `name`, in place of one of that name still running. */
  set(name: Name, callback: () => void, ms: number): void {
    this.clear(name);
    this.#running.set(
      name,
      this.#deps.setTimeout(() => {
        this.#running.delete(name);
        callback();
      }, ms),
    );
  }

  /** Whether the timer `name` is running. */
  has(name: Name): boolean {
    return this.#running.has(name);
  }

  /** Stops the timer `name`, if it runs. */
  clear(name: Name): void {
    const handle = this.#running.get(name);
    if (handle !== undefined) this.#deps.clearTimeout(handle);
    this.#running.delete(name);
  }

  /** Stops every timer. */
  clearAll(): void {
    for (const name of [...this.#running.keys()]) this.clear(name);
  }
}
