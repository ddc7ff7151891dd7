/** The calls the server knows of: who rings whom, and who talks with whom. */

/** A call between two users: ringing until the callee accepts, then active. */
export interface Call {
  readonly caller: string;
  readonly callee: string;
  phase: "ringing" | "active";
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
}

/** The other party of a call. */
export function peerOf(call: Call, userId: string): string {
  return call.caller === userId ? call.callee : call.caller;
}

/** Calls by user: each user is in at most one call. */
export class CallTable {
  #byUser = new Map<string, Call>();

  /** Starts ringing; both users must be free. */
  ring(
    caller: string,
    callee: string,
    media: { hasVideo: boolean; hasAudio: boolean },
  ): Call {
    if (this.#byUser.has(caller) || this.#byUser.has(callee)) {
      throw new Error(`${caller} or ${callee} is already in a call`);
    }
    const call: Call = { caller, callee, phase: "ringing", ...media };
    this.#byUser.set(caller, call);
    this.#byUser.set(callee, call);
    return call;
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

  /** Removes a call; both users are free again. */
  end(call: Call): void {
    if (this.#byUser.get(call.caller) === call) {
      this.#byUser.delete(call.caller);
    }
    if (this.#byUser.get(call.callee) === call) {
      this.#byUser.delete(call.callee);
    }
  }

  /** How many calls are in each phase. */
  countByPhase(): Record<Call["phase"], number> {
    const counts = { ringing: 0, active: 0 };
    for (const [userId, call] of this.#byUser) {
      if (call.caller === userId) counts[call.phase]++;
    }
    return counts;
  }

  /** How many calls are ringing or active. */
  get size(): number {
    return this.#byUser.size / 2;
  }
}
