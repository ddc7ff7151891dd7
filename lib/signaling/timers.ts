/**
 * Timers the signaling core sets, injectable so that tests control time; and
 * a timer for a moment further away than `setTimeout` can wait.
 * @module
 */

/** Timers, injectable so tests control time. */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** The longest delay `setTimeout` keeps: 2³¹−1 ms, about 24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `callback` at `at` (ms on the `now` clock), however far away: a longer
 * wait than a timer keeps is waited in steps. `track` is handed each timer's
 * handle as it is set, so that its owner can clear the current one.
 */
export function setAt(
  timers: Timers,
  now: () => number,
  at: number,
  callback: () => void,
  track: (handle: unknown) => void,
): void {
  const wait = at - now();
  if (wait > MAX_TIMER_MS) {
    track(
      timers.set(
        () => setAt(timers, now, at, callback, track),
        MAX_TIMER_MS,
      ),
    );
  } else {
    track(timers.set(callback, Math.max(0, wait)));
  }
}
