/**
 * What the accounts store keeps: accounts, their passkeys, invites, sign-ins
 * and WebAuthn challenges. Every record carries `v`, its shape's version, so
 * that a later change can tell old records and migrate them. Secrets (invite
 * codes, sign-in ids) are kept only as their SHA-256: a copy of the store
 * lets nobody in.
 * @module
 */

/** The version of every record's shape. */
export const RECORD_VERSION = 1 as const;

/** A person who may sign in. */
export interface Account {
  v: typeof RECORD_VERSION;
  userId: string;
  createdAt: number;
  /** Whether this person may invite others (`NEXUS_ACCOUNTS_INVITES=everyone`, or set by the operator). */
  canInvite: boolean;
}

/** One passkey of an account. */
export interface Passkey {
  v: typeof RECORD_VERSION;
  userId: string;
  /** The credential's id, base64url. */
  credentialId: string;
  /** Its COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter, to notice a cloned key. */
  counter: number;
  transports: string[];
  /** A name the person recognises it by ("Chrome on Linux"). */
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** A one-time invite to create an account. */
export interface Invite {
  v: typeof RECORD_VERSION;
  /** SHA-256 of the code in the link, hex. */
  codeHash: string;
  /** The id the account will have; null lets the person choose. */
  userId: string | null;
  /** Who made it: a user id, or `operator` for the command line. */
  createdBy: string;
  createdAt: number;
  expiresAt: number;
}

/** One sign-in of an account: a session, named by the cookie. */
export interface SignIn {
  v: typeof RECORD_VERSION;
  userId: string;
  /** SHA-256 of the session id in the cookie, hex. */
  idHash: string;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number;
  /** The browser it was made in, from its User-Agent, for the settings list. */
  device: string;
}

/** What a WebAuthn challenge was issued for; it is taken once, before it expires. */
export type Ceremony =
  | { kind: "register"; codeHash: string; userId: string }
  | { kind: "add-passkey"; userId: string }
  | { kind: "sign-in" }
  /**
   * Single sign-on under way, kept under its OAuth `state`; `browser` is
   * the hash of the secret in the cookie of the browser that started it.
   */
  | {
    kind: "single-sign-on";
    verifier: string;
    nonce: string;
    browser: string;
  };

/** A challenge waiting for its answer. */
export interface Challenge {
  v: typeof RECORD_VERSION;
  ceremony: Ceremony;
  expiresAt: number;
}
