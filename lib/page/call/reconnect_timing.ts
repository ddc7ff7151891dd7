/**
 * When the page's signaling session checks the server and dials it again:
 * the heartbeat, the dial's timeout and the reconnect backoff, each shorter
 * while a call is under way (a hang-up waiting on the server should reach it
 * within seconds of the network's return).
 * @module
 */

/** How often the page checks that the server still answers. */
export const HEARTBEAT_MS = 15_000;
/** How long an answer to a heartbeat may take before the socket counts as dead. */
export const HEARTBEAT_TIMEOUT_MS = 10_000;
/**
 * How often the page checks the server during a call: a socket that died
 * silently is then found within seconds even when the page has nothing to
 * send (the server may have: a hang-up), and its answer has 2 s.
 */
export const URGENT_HEARTBEAT_MS = 5_000;
/** The longest wait between two reconnect attempts. */
export const MAX_BACKOFF_MS = 10_000;
/** The longest wait between two reconnect attempts while a call is under way. */
export const URGENT_BACKOFF_MS = 500;
/**
 * How long a dial may take to open before it is given up and made anew: one
 * made while the network was gone waits in TCP's own backoff, and one whose
 * packets a network drops would wait minutes.
 */
export const DIAL_MS = 10_000;
/** The same while a call is under way. */
export const URGENT_DIAL_MS = 2_000;
/** The first wait before reconnecting; each failed attempt doubles it. */
export const FIRST_BACKOFF_MS = 500;

/**
 * How long to wait before reconnect attempt `attempt` (0 first):
 * exponential backoff with jitter (`random` in [0, 1)), capped lower while
 * a call is `urgent`; after a server restart the first try is spread over
 * `FIRST_BACKOFF_MS`, so that its pages do not all come back at once.
 */
export function reconnectDelay(
  attempt: number,
  urgent: boolean,
  restarting: boolean,
  random: number,
): number {
  if (restarting && attempt === 0) return random * FIRST_BACKOFF_MS;
  const backoff = Math.min(
    urgent ? URGENT_BACKOFF_MS : MAX_BACKOFF_MS,
    FIRST_BACKOFF_MS * 2 ** attempt,
  );
  return backoff * (0.5 + random / 2);
}
