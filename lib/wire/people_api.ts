/**
 * What the pages and the server say to each other about contacts and the
 * call history (`/auth/contacts…`, `/auth/history…`): defined once, imported
 * by both sides, like `protocol.ts` for the socket.
 * @module
 */
import type { GuestCard } from "./protocol.ts";

/** Who may ring a user: its contacts only (the default), or anyone on this server. */
export type WhoMayCall = "contacts" | "anyone";

/** The two answers of `WhoMayCall`, for checking input. */
export const WHO_MAY_CALL: readonly WhoMayCall[] = ["contacts", "anyone"];

/** How a call went, as one side's history says it. */
export type CallOutcome =
  | "answered"
  | "missed"
  | "declined"
  | "busy"
  | "cancelled"
  | "failed";

/** One call in one user's history. */
export interface HistoryEntry {
  v: 1;
  /** Whose history it is in. */
  owner: string;
  callId: string;
  /** The other party. */
  peer: string;
  direction: "outgoing" | "incoming";
  /** When the call was placed, ms since the epoch. */
  startedAt: number;
  /** From the answer to the end, in whole seconds; 0 when unanswered. */
  durationS: number;
  outcome: CallOutcome;
  /** When it is dropped (the history's retention). */
  expiresAt: number;
  /** The caller was a guest who came by a call link: their name and the link's. */
  guest?: GuestCard;
}

/** What a user sees of its contacts on the contacts page. */
export interface ContactsView {
  /** Whom it added, and whether each added it back. */
  contacts: { userId: string; mutual: boolean }[];
  /** Who added it and is not its contact yet (nor blocked). */
  requests: string[];
  blocked: string[];
  whoMayCall: WhoMayCall;
}

/** What an owner sees of its history. */
export interface HistoryView {
  entries: HistoryEntry[];
  /** Missed calls it had not looked at before this view. */
  missed: number;
  /** How long entries are kept. */
  keepDays: number;
}
