/**
 * How a finished call reads in each party's history: its outcome from why
 * it ended and whether it was answered, and its duration.
 * @module
 */
import type { EndReason } from "../wire/protocol.ts";
import type { FinishedCall } from "../signaling/hub/options.ts";
import type { CallOutcome } from "../wire/people_api.ts";

/** Reasons that end a call because something broke, not because someone chose to. */
const FAILURES: ReadonlySet<EndReason> = new Set([
  "peer-gone",
  "ice-failed",
  "media-failed",
]);

/**
 * The outcome for one side. An answered call is `answered` unless a failure
 * cut it off (`failed`). Unanswered: declined and busy read the same on both
 * sides; a call the caller gave up on is `cancelled` for the caller and, as
 * on a phone, `missed` for the callee who never picked up; no answer is
 * `missed` on both sides.
 */
export function outcomeOf(
  call: Pick<FinishedCall, "answeredAt" | "reason">,
  side: "caller" | "callee",
): CallOutcome {
  const { reason } = call;
  if (call.answeredAt !== null) {
    return FAILURES.has(reason) ? "failed" : "answered";
  }
  switch (reason) {
    case "declined":
    case "busy":
      return reason;
    case "cancelled":
      return side === "caller" ? "cancelled" : "missed";
    case "no-answer":
      return "missed";
    default:
      return FAILURES.has(reason) ? "failed" : "missed";
  }
}

/** Whole seconds from the answer to the end; 0 when it was never answered. */
export function durationOf(
  call: Pick<FinishedCall, "answeredAt" | "endedAt">,
): number {
  return call.answeredAt === null
    ? 0
    : Math.max(0, Math.round((call.endedAt - call.answeredAt) / 1000));
}
