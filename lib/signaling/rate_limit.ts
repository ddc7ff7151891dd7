/** A token bucket: bursts up to `capacity`, refilled at `perSecond`. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    private readonly now: () => number,
  ) {
    this.#tokens = capacity;
    this.#last = now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const now = this.now();
    this.#tokens = Math.min(
      this.capacity,
      this.#tokens + ((now - this.#last) / 1000) * this.perSecond,
    );
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** How many messages a signaling session may send. */
export interface MessageLimits {
  /** Any message: sustained rate and burst (ICE candidates come in bursts). */
  messagesPerSecond: number;
  messageBurst: number;
  /** `call:request`: far fewer, so nobody can ring-spam. */
  callRequestsPerMinute: number;
  callRequestBurst: number;
  /** Refused messages tolerated in a burst before the socket is closed with 1008. */
  refusalsBeforeClose: number;
  refusalsForgivenPerSecond: number;
}

/** The limits a session gets unless the hub is told otherwise. */
export const DEFAULT_LIMITS: MessageLimits = {
  messagesPerSecond: 30,
  messageBurst: 60,
  callRequestsPerMinute: 12,
  callRequestBurst: 3,
  refusalsBeforeClose: 100,
  refusalsForgivenPerSecond: 5,
};
