/**
 * A moment as the account pages show it: the browser's own date and time.
 * @module
 */

/** `ms` since the epoch, in the browser's locale. */
export function when(ms: number): string {
  return new Date(ms).toLocaleString();
}
