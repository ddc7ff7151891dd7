/**
 * The delivery layer's bookkeeping for one side of one delivery session,
 * shared by the server and the page: what this side sent that the other has
 * not acknowledged (numbered from 1, kept in order), and how many of the
 * other side's messages it has taken. Every message that belongs to a call
 * or a ring is numbered (`seq`); each side acknowledges cumulatively
 * (`ack`: how many it has taken), and after a reconnect resends, in order,
 * exactly what the other has not acknowledged; the receiver drops what it
 * has already taken, so each message is handled once. Plain logic: no
 * sockets, no timers. See docs/protocol.md, "Delivery".
 * @module
 */

/** How long an acknowledgement may wait for a frame to ride on before it goes in an `ack` of its own. */
export const ACK_DELAY_MS = 250;
/**
 * How long what was sent may go unacknowledged before the other side is
 * asked (the page pings, the server sends an `ack` request), and how long
 * the answer is then waited for.
 */
export const UNACKED_DEADLINE_MS = 2_000;

/** What a side keeps for the other at most before the session is reset. */
export const DELIVERY_LIMITS = {
  /** Messages not yet acknowledged. */
  messages: 256,
  /** Their bytes (UTF-16 units of their text). */
  bytes: 512 * 1024,
};

/** How a numbered message that arrived is to be taken. */
export type Arrival =
  /** The next one: handle it. */
  | "next"
  /** Taken before (sent again after a reconnect): drop it. */
  | "duplicate"
  /** Past a gap: drop it; the sender sends it again with what it misses. */
  | "early";

/** One side's log of a delivery session. */
export class DeliveryLog<T> {
  /** Messages sent and not acknowledged, oldest first, with their numbers, from `#head` on. */
  #unacked: { seq: number; message: T; size: number }[] = [];
  /** Where the unacknowledged begin in `#unacked`: acknowledged ones are dropped in batches. */
  #head = 0;
  #bytes = 0;
  /** How many messages this side has numbered. */
  #sent = 0;
  /** How many of the other side's messages this side has taken. */
  #received = 0;
  /** How many of the received ones the other side has been told of. */
  #acknowledged = 0;

  constructor(readonly limits = DELIVERY_LIMITS) {}

  /**
   * Takes up where another log of the same side left off (on another
   * instance): `sent` numbered, `received` taken; what waited is added next.
   */
  restart(sent: number, received: number): void {
    this.#sent = sent;
    this.#received = this.#acknowledged = received;
  }

  /** How many messages this side has numbered. */
  get sent(): number {
    return this.#sent;
  }

  /** Numbers `message` (of `size` units) and keeps it until acknowledged; null when the log is full. */
  add(message: T, size: number): number | null {
    if (
      this.#unacked.length - this.#head >= this.limits.messages ||
      this.#bytes + size > this.limits.bytes
    ) {
      return null;
    }
    const seq = ++this.#sent;
    this.#unacked.push({ seq, message, size });
    this.#bytes += size;
    return seq;
  }

  /** The other side has taken the first `count` messages: they are forgotten. Past what was sent, it is ignored. */
  acked(count: number): void {
    if (count > this.#sent) return;
    const unacked = this.#unacked;
    while (this.#head < unacked.length && unacked[this.#head].seq <= count) {
      this.#bytes -= unacked[this.#head].size;
      this.#head++;
    }
    if (this.#head === unacked.length) {
      this.#unacked = [];
      this.#head = 0;
    } else if (this.#head >= 64) {
      this.#unacked = unacked.slice(this.#head);
      this.#head = 0;
    }
  }

  /** What the other side has not acknowledged, oldest first, to send again. */
  unacked(): readonly { seq: number; message: T }[] {
    return this.#head === 0 ? this.#unacked : this.#unacked.slice(this.#head);
  }

  /** The number of the oldest message not acknowledged; undefined when none waits. */
  get oldest(): number | undefined {
    return this.#unacked[this.#head]?.seq;
  }

  /** Whether anything sent waits for its acknowledgement. */
  get waiting(): boolean {
    return this.#unacked.length > this.#head;
  }

  /** Takes the other side's message number `seq`. */
  arrived(seq: number): Arrival {
    if (seq <= this.#received) return "duplicate";
    if (seq > this.#received + 1) return "early";
    this.#received = seq;
    return "next";
  }

  /** How many of the other side's messages this side has taken: the `ack` to send. */
  get received(): number {
    return this.#received;
  }

  /** Whether the other side has not yet been told of everything taken. */
  get ackDue(): boolean {
    return this.#acknowledged < this.#received;
  }

  /** The other side is being told `received` now. */
  acknowledge(): number {
    this.#acknowledged = this.#received;
    return this.#received;
  }

  /**
   * Starts over as a new session: nothing kept, nothing received. What was
   * unacknowledged is handed back, oldest first, for the caller to send anew.
   */
  reset(): T[] {
    const unsent = this.unacked().map((entry) => entry.message);
    this.#unacked = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#sent = this.#received = this.#acknowledged = 0;
    return unsent;
  }
}
