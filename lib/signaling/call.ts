/**
 * A call as a value: who rings whom, and who talks with whom, on which device
 * and instance; and the helpers that read it. Engines store and swap these;
 * nothing here knows where they are kept.
 * @module
 */
import type { GuestCard } from "../wire/protocol.ts";

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
  /** When it was placed (ms since the epoch), for the call history. */
  readonly startedAt: number;
  /** When it was answered; `null` while ringing. */
  readonly answeredAt: number | null;
  /** The caller is a guest who came by a call link. */
  readonly guest?: GuestCard;
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
