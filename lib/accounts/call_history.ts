/**
 * The call history of accounts: each finished call the hub hands over
 * becomes an entry on both sides (written once per call and side, so a
 * second report of the same call changes nothing), kept for the configured
 * number of days; its owner reads, exports and clears it, and the calls it
 * missed since it last looked make the badge.
 * @module
 */
import type {
  CallHistorySink,
  FinishedCall,
} from "../signaling/hub/options.ts";
import type { HistoryEntry, HistoryView } from "../wire/people_api.ts";
import type { CallHistoryStore } from "./call_history_store.ts";
import { durationOf, outcomeOf } from "./call_outcome.ts";
import { RECORD_VERSION } from "./records.ts";

const DAY_MS = 86_400_000;

/** Whether an entry is a call its owner missed. */
function isMissed(entry: HistoryEntry): boolean {
  return entry.direction === "incoming" && entry.outcome === "missed";
}

/** Accounts' call history over a `CallHistoryStore`. */
export class CallHistory implements CallHistorySink {
  #store: CallHistoryStore;
  #keepDays: number;
  #now: () => number;

  constructor(store: CallHistoryStore, keepDays: number, now = Date.now) {
    this.#store = store;
    this.#keepDays = keepDays;
    this.#now = now;
  }

  async record(call: FinishedCall): Promise<string[]> {
    const expiresAt = call.endedAt + this.#keepDays * DAY_MS;
    const entry = (
      owner: string,
      peer: string,
      side: "caller" | "callee",
    ): HistoryEntry => ({
      v: RECORD_VERSION,
      owner,
      callId: call.id,
      peer,
      direction: side === "caller" ? "outgoing" : "incoming",
      startedAt: call.startedAt,
      durationS: durationOf(call),
      outcome: outcomeOf(call, side),
      expiresAt,
    });
    const callee = {
      ...entry(call.callee, call.caller, "callee"),
      ...call.guest && { guest: call.guest },
    };
    // A guest keeps no history: only the link's owner has the call.
    const [, calleeAdded] = await Promise.all([
      call.guest
        ? Promise.resolve(false)
        : this.#store.add(entry(call.caller, call.callee, "caller")),
      this.#store.add(callee),
    ]);
    return calleeAdded && isMissed(callee) ? [call.callee] : [];
  }

  async missedCount(userId: string): Promise<number> {
    return (await this.view(userId)).missed;
  }

  /** `userId`'s history, and how many of its missed calls are new to it. */
  async view(userId: string): Promise<HistoryView> {
    const [entries, seenUntil] = await Promise.all([
      this.#store.entries(userId),
      this.#store.seenUntil(userId),
    ]);
    return {
      entries,
      missed:
        entries.filter((entry) =>
          isMissed(entry) && entry.startedAt > seenUntil
        ).length,
      keepDays: this.#keepDays,
    };
  }

  /** `userId` has looked at its missed calls: the badge is empty until the next. */
  markSeen(userId: string): Promise<void> {
    return this.#store.markSeen(userId, this.#now());
  }

  /** Deletes `userId`'s history; how many entries there were. */
  clear(userId: string): Promise<number> {
    return this.#store.clear(userId);
  }
}
