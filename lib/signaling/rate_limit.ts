/**
 * Rate limits: a token bucket, buckets kept by key, and the limits a
 * signaling session gets.
 * @module
 */

/** How often something may happen: a burst of `capacity`, refilled at `perSecond`. */
export interface RateLimit {
  capacity: number;
  perSecond: number;
}

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

  /** Takes `cost` tokens (one by default); false, taking none, when there are fewer. */
  take(cost = 1): boolean {
    this.#refill();
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Seconds until `cost` tokens can be taken (0 when they can now). */
  secondsUntil(cost = 1): number {
    this.#refill();
    return Math.max(0, (cost - this.#tokens) / this.perSecond);
  }

  /** Whether the bucket has refilled to its capacity: it remembers nothing then. */
  get full(): boolean {
    this.#refill();
    return this.#tokens >= this.capacity;
  }

  #refill(): void {
    const now = this.now();
    this.#tokens = Math.min(
      this.capacity,
      this.#tokens + ((now - this.#last) / 1000) * this.perSecond,
    );
    this.#last = now;
  }
}

/** Keys kept before full buckets are first looked for and dropped (a full bucket is the same as none). */
const PRUNE_FROM = 1_024;

/** One token bucket per key (a user, an address), forgotten once refilled. */
export class KeyedBuckets {
  #buckets = new Map<string, TokenBucket>();
  /**
   * The size at which the next prune runs: twice what the last one left, so
   * that a burst of new keys costs each key O(1), not a pass over them all.
   */
  #pruneAt = PRUNE_FROM;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token from `key`'s bucket; false when it is empty. */
  take(key: string): boolean {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.#pruneAt) this.#prune();
      bucket = new TokenBucket(
        this.limit.capacity,
        this.limit.perSecond,
        this.now,
      );
      this.#buckets.set(key, bucket);
    }
    return bucket.take();
  }

  /** Seconds until `key` may take a token again (0 when it may now). */
  secondsUntil(key: string): number {
    return this.#buckets.get(key)?.secondsUntil() ?? 0;
  }

  /** Keys remembered now. */
  get size(): number {
    return this.#buckets.size;
  }

  #prune(): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.full) this.#buckets.delete(key);
    }
    this.#pruneAt = Math.max(PRUNE_FROM, 2 * this.#buckets.size);
  }
}

/** How many messages a signaling session may send. */
export interface MessageLimits {
  /**
   * Any message: sustained rate and burst (ICE candidates come in bursts).
   * A frame costs a token per started 16 KiB, so large frames count for more.
   */
  messagesPerSecond: number;
  messageBurst: number;
  /**
   * `call:request`: far fewer, so nobody can ring-spam. Counted per caller,
   * across all of the caller's devices, reconnects and instances.
   */
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

/** Bytes of a frame that cost one token of the message limit. */
export const BYTES_PER_TOKEN = 16 * 1024;

/** What a frame of `length` UTF-16 units costs against the message limit. */
export function frameCost(length: number): number {
  return Math.max(1, Math.ceil(length / BYTES_PER_TOKEN));
}
