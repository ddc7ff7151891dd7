/**
 * Notices that media stopped arriving on a path the browser still calls
 * connected. A browser takes some 5 to 6 s to call a dead path
 * `disconnected` (a phone that left its Wi-Fi, a cable pulled); the packet
 * counters say so within a second and a half, so recovery can start then.
 * Only a path that carried media counts: a peer that sends nothing (it
 * answered receive-only) never stalls.
 * @module
 */

/** How often the inbound packet counters are read. */
export const STALL_CHECK_MS = 500;
/** How many readings in a row without a new packet make a stall: a second and a half without one (audio alone sends fifty a second). */
export const STALL_CHECKS = 3;

/** What the watch needs from the browser. */
export interface MediaWatchDeps {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What the watch reports. */
export interface MediaWatchEvents {
  /** Media stopped arriving. */
  stalled(): void;
  /** Media arrives again after a stall. */
  flowing(): void;
}

/** The packets received so far on a peer connection, all inbound streams together. */
export async function packetsReceived(pc: RTCPeerConnection): Promise<number> {
  let total = 0;
  (await pc.getStats()).forEach((report) => {
    if (report.type === "inbound-rtp") total += report.packetsReceived ?? 0;
  });
  return total;
}

/** Watches one path's inbound packets until stopped. */
export class MediaWatch {
  #deps: MediaWatchDeps;
  #read: () => Promise<number>;
  #events: MediaWatchEvents;
  #timer: unknown = null;
  #last = -1;
  #quiet = 0;
  #stalled = false;

  /** Media has stopped arriving, and not come back yet. */
  get stalled(): boolean {
    return this.#stalled;
  }

  constructor(
    deps: MediaWatchDeps,
    read: () => Promise<number>,
    events: MediaWatchEvents,
  ) {
    this.#deps = deps;
    this.#read = read;
    this.#events = events;
    this.#schedule();
  }

  /** Stops watching. */
  stop(): void {
    if (this.#timer !== null) this.#deps.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    this.#timer = this.#deps.setTimeout(async () => {
      let packets: number;
      try {
        packets = await this.#read();
      } catch {
        packets = this.#last;
      }
      if (this.#timer === null) return;
      this.#reading(packets);
      this.#schedule();
    }, STALL_CHECK_MS);
  }

  #reading(packets: number): void {
    if (packets > this.#last) {
      const carried = this.#last > 0;
      this.#last = packets;
      this.#quiet = 0;
      if (this.#stalled && carried) {
        this.#stalled = false;
        this.#events.flowing();
      }
      return;
    }
    if (this.#last <= 0 || this.#stalled) return;
    if (++this.#quiet >= STALL_CHECKS) {
      this.#stalled = true;
      this.#events.stalled();
    }
  }
}
