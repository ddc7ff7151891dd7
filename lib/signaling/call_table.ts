/** The calls the server knows of: who rings whom, and who talks with whom, on which device. */

/** A call between two users: ringing until the callee accepts, then active. */
export interface Call {
  readonly caller: string;
  readonly callee: string;
  /** The caller's device that placed the call. */
  callerDevice: string;
  /** The callee's device that answered; `null` while every device rings. */
  calleeDevice: string | null;
  phase: "ringing" | "active";
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

/** Calls by user: each user is in at most one call. */
export class CallTable {
  #byUser = new Map<string, Call>();

  /** Starts ringing; both users must be free. */
  ring(
    caller: string,
    callerDevice: string,
    callee: string,
    media: { hasVideo: boolean; hasAudio: boolean },
  ): Call {
    if (this.#byUser.has(caller) || this.#byUser.has(callee)) {
      throw new Error(`${caller} or ${callee} is already in a call`);
    }
    const call: Call = {
      caller,
      callee,
      callerDevice,
      calleeDevice: null,
      phase: "ringing",
      hasVideo: media.hasVideo,
      hasAudio: media.hasAudio,
    };
    this.#byUser.set(caller, call);
    this.#byUser.set(callee, call);
    return call;
  }

  /** Records an active call whose parties both resumed it (e.g. after a server restart). */
  resume(
    caller: string,
    callerDevice: string,
    callee: string,
    calleeDevice: string,
  ): Call {
    const call = this.ring(caller, callerDevice, callee, {
      hasVideo: true,
      hasAudio: true,
    });
    call.calleeDevice = calleeDevice;
    call.phase = "active";
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
