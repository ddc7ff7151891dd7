/**
 * This instance's copy of the calls its users are in, as last seen: what
 * relaying checks against without asking the engine.
 * @module
 */
import { type Call, peerOf } from "./call.ts";

/** Calls by user: each user is in at most one call. */
export class CallTable {
  #byUser = new Map<string, Call>();

  /** Records a call (or its new state) for both of its users. */
  put(call: Call): void {
    this.#byUser.set(call.caller, call);
    this.#byUser.set(call.callee, call);
  }

  /** The call a user is in, if any. */
  of(userId: string): Call | undefined {
    return this.#byUser.get(userId);
  }

  /** The call between these two users, if they share one. */
  between(userId: string, peerId: string): Call | undefined {
    const call = this.#byUser.get(userId);
    return call && peerOf(call, userId) === peerId ? call : undefined;
  }

  /** Removes a call, whatever its version: for both users, or only for `userId`. */
  remove(call: Call, userId?: string): void {
    for (const user of userId ? [userId] : [call.caller, call.callee]) {
      if (this.#byUser.get(user)?.id === call.id) this.#byUser.delete(user);
    }
  }

  /** How many calls are in each phase: all, or those placed from one instance. */
  countByPhase(callerInstance?: string): Record<Call["phase"], number> {
    const counts = { ringing: 0, active: 0 };
    for (const call of this.#distinct()) {
      if (
        callerInstance === undefined || call.callerInstance === callerInstance
      ) {
        counts[call.phase]++;
      }
    }
    return counts;
  }

  /** How many calls are ringing or active. */
  get size(): number {
    return this.#distinct().size;
  }

  #distinct(): Set<Call> {
    const calls = new Set<Call>();
    const seen = new Set<string>();
    for (const call of this.#byUser.values()) {
      if (!seen.has(call.id)) calls.add(call);
      seen.add(call.id);
    }
    return calls;
  }
}
