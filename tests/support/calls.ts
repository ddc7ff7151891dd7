/** Call values for tests of what stores and swaps them. */
import type { Call } from "../../lib/signaling/call.ts";

/** A call from `caller` (device d1 on instance i1) ringing every device of `callee`. */
export function ringingCall(
  caller: string,
  callee: string,
  version = 0,
): Call {
  return {
    id: `${caller}-${callee}`,
    version,
    caller,
    callee,
    callerDevice: "d1",
    callerInstance: "i1",
    calleeDevice: null,
    calleeInstance: null,
    phase: "ringing",
    hasVideo: true,
    hasAudio: true,
    startedAt: 1_700_000_000_000,
    answeredAt: null,
  };
}
