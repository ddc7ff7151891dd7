/** The calls the server knows of: who rings whom, and who talks with whom, on which device. */

/**
 * A call between two users: ringing until the callee accepts, then active.
 * Calls are values: a change makes a new one with a higher `version`, so an
 * engine can swap one for the next atomically, across instances.
 */
export interface Call {
  /** Unique to this call; the same across every instance. */
  readonly id: string;
  /** Grows with every change, so a stale copy is never taken for the current one. */
  readonly version: number;
  readonly caller: string;
  readonly callee: string;
  /** The caller's device that placed the call. */
  readonly callerDevice: string;
  /** The instance that device is connected to. */
  readonly callerInstance: string;
  /** The callee's device that answered; `null` while every device rings. */
  readonly calleeDevice: string | null;
  /** The instance the answering device is connected to; `null` while ringing. */
  readonly calleeInstance: string | null;
  readonly phase: "ringing" | "active";
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
}

/** The other party of a call. */
export function peerOf(call: Call, userId: string): string {
  return call.caller === userId ? call.callee : call.caller;
}

/** The device a user takes part in a call on; `null` for a callee whose devices all ring. */
export function deviceOf(call: Call, userId: string): string | null {
  return call.caller === userId ? call.callerDevice : call.calleeDevice;
}

/** The instance a user's device in a call is connected to; `null` while the callee's devices ring. */
export function instanceOf(call: Call, userId: string): string | null {
  return call.caller === userId ? call.callerInstance : call.calleeInstance;
}

/** The same call, moved on: `changes` applied and the version raised. */
export function nextCall(call: Call, changes: Partial<Call>): Call {
  return { ...call, ...changes, version: call.version + 1 };
}

/** Whether two copies are the same state of the same call (both absent counts). */
export function sameCall(a: Call | undefined, b: Call | undefined): boolean {
  return a?.id === b?.id && a?.version === b?.version;
}

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
