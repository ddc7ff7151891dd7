/**
 * What a push to a browser holds, as the service worker (`static/sw.js`)
 * reads it: a ring, or the end of one. Encrypted for the browser alone
 * (RFC 8291); it names the caller, the call, audio or video and when the
 * ring ends, and nothing else.
 * @module
 */

/** A push: ring for `call`, or stop ringing for it. */
export type PushMessage =
  | {
    kind: "ring";
    /** The call's id: the notification's tag. */
    call: string;
    /** Who calls. */
    from: string;
    /** A guest who calls by a call link: their name and the link's, as the notification says it. */
    name?: string;
    video: boolean;
    /** When the ring ends, ms since the epoch. */
    until: number;
  }
  | {
    kind: "stop";
    call: string;
    from: string;
    name?: string;
    /** The callee missed it: a "Missed call" notification replaces the ring. */
    missed: boolean;
  };

/**
 * The `Topic` of a call's pushes (RFC 8030 §5.4): the call id's 32 hex
 * digits, so that its stop replaces a ring the push service still holds.
 */
export function topicOf(callId: string): string {
  return callId.replaceAll("-", "").slice(0, 32);
}
