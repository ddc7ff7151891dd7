/**
 * Call links, as the settings page, the guest's page and the server all see
 * them: the list an owner is shown, the rules for a label and a guest's
 * name, and why a link lets nobody in, in words.
 * @module
 */
import type { GuestCard } from "./protocol.ts";

/** A call link as its owner's list shows it (the secret is never kept). */
export interface CallLinkView {
  /** What revoking it names; the guest's id is `~` and this. */
  id: string;
  label: string;
  createdAt: number;
  expiresAt: number;
  /** For one call only. */
  once: boolean;
  /** When a guest last rang through it, or null. */
  usedAt: number | null;
}

/** A link just made: the one time its secret is seen. */
export interface NewCallLink {
  link: CallLinkView;
  /** The page a guest opens: `/call/` and this. */
  secret: string;
}

/** The page a link opens, on the server the link belongs to. */
export const LINK_PATH = "/call/";

/** How long a link may work, in hours: from an hour to 30 days. */
export const LINK_HOURS = { min: 1, max: 30 * 24 } as const;

/** What a secret looks like in a link: 24 of base64url (144 bits). */
export const LINK_SECRET_PATTERN = /^[A-Za-z0-9_-]{24}$/;

/** The longest label or guest name, in characters. */
export const NAME_MAX = 40;

/**
 * A label or a guest's name as kept: trimmed, 1–40 characters, no control
 * characters; null when it is not one.
 */
export function cleanName(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const name = value.trim();
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return null;
  const length = [...name].length;
  return length >= 1 && length <= NAME_MAX ? name : null;
}

/** How a guest who calls by a call link is named to the person called: in the ring, the status line, a notification. */
export function guestCallerName(guest: GuestCard): string {
  return `${guest.name} (guest, via your link "${guest.label}")`;
}

/** Why a link lets nobody in now. */
export type LinkRefusal = "wrong" | "expired" | "used" | "revoked" | "busy";

/** Each refusal in words, as the guest's page and a closed socket say it. */
export const LINK_REFUSALS: Record<LinkRefusal, string> = {
  wrong: "This call link does not work. Check that it was copied whole.",
  expired:
    "This call link has expired. Ask the person who sent it for a new one.",
  used: "This call link was for one call, and it has been used.",
  revoked: "This call link was revoked by the person who made it.",
  busy:
    "Someone else is calling through this link right now. Try again in a few minutes.",
};
