/**
 * Every sentence the call page shows about a call: why it ended, and its
 * status. Pure functions of the call's state, so that a reader finds what
 * the page says for `busy` here, and tests read them without a browser.
 * @module
 */
import type { EndReason } from "../protocol.ts";
import type { SessionState } from "./signaling_session.ts";
import type { CallState } from "./types.ts";

/** What a user id may be, in words. */
export const HINT_USER_ID = "1–64 of A–Z a–z 0–9 . _ ~ -";

/** Why a call ended, said to the person whose call it was. */
export function endSentence(
  reason: EndReason | undefined,
  peer: string,
  state: CallState,
): string {
  switch (reason) {
    case "declined":
      return `${peer} declined the call.`;
    case "busy":
      return `${peer} is busy in another call.`;
    case "no-answer":
      return state === "ringing"
        ? `Missed call from ${peer}.`
        : `${peer} did not answer.`;
    case "cancelled":
      return `Missed call from ${peer}: they hung up.`;
    case "peer-gone":
      return `${peer} lost their connection; the call ended.`;
    case "ice-failed":
      return `The connection to ${peer} failed; the call ended.`;
    case "media-failed":
      return `${peer} could not start their camera or microphone.`;
    case "answered-elsewhere":
      return `The call from ${peer} was answered on another device.`;
    case "glare":
      return `The call with ${peer} goes on on another device.`;
    default:
      return `${peer} ended the call.`;
  }
}

/** What the status line reads from. */
export interface StatusFacts {
  state: CallState;
  peer: string | null;
  session: SessionState;
  withVideo: boolean;
  connection: RTCPeerConnectionState;
  /** The last thing worth telling the user, if anything. */
  notice: string;
  selfId: string | null;
}

/** The call's status in one sentence, as the page's `role="status"` shows it. */
export function statusSentence(facts: StatusFacts): string {
  const { peer, session, notice } = facts;
  const reconnecting = session === "reconnecting"
    ? " (reconnecting to the server…)"
    : "";
  switch (facts.state) {
    case "calling":
      return `Calling ${peer}…${reconnecting}`;
    case "ringing":
      return `${peer} is calling you${
        facts.withVideo ? " (video)" : " (audio)"
      }…`;
    case "active": {
      const path = facts.connection;
      const base = path === "connected"
        ? `In call with ${peer}`
        : path === "disconnected" || path === "failed"
        ? `Reconnecting to ${peer}…`
        : `Connecting to ${peer}…`;
      return base + reconnecting + (notice ? ` ${notice}` : "");
    }
    case "ended":
      return notice || "Call ended.";
    default:
      if (session === "connecting") return "Signing in…";
      if (session === "reconnecting") return "Reconnecting to the server…";
      if (session === "signed-out") return notice || "Not signed in.";
      return notice || `Signed in as ${facts.selfId}. Ready to call.`;
  }
}
