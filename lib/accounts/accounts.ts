/**
 * Accounts without passwords: an invite lets a person create an account
 * with a passkey; a passkey signs them in; each sign-in is a session named
 * by a cookie, listed and revocable. Plain TypeScript over an
 * `AccountStore`; the HTTP side is `http.ts`. WebAuthn is
 * `@simplewebauthn/server`'s.
 * @module
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isUserId } from "../protocol.ts";
import type { Ceremony, Passkey, SignIn } from "./records.ts";
import {
  cookieValue,
  randomCode,
  readSessionCookie,
  secretHash,
  type SessionRef,
} from "./session_cookie.ts";
import type { AccountStore } from "./store.ts";
import { SignOnRefused, type SingleSignOn } from "./single_sign_on.ts";

/** The site a ceremony runs for: the page's origin, checked by the origin policy. */
export interface RelyingParty {
  /** e.g. `https://call.example.org` */
  origin: string;
  /** The origin's host name: WebAuthn's RP ID. */
  id: string;
}

/** A request refused: an HTTP status, a code, and a sentence for the person. */
export class AccountError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A session made: the cookie to set, and for whom. */
export interface NewSession {
  cookie: string;
  userId: string;
  maxAgeS: number;
}

/** How accounts are run. */
export interface AccountsOptions {
  /** Opens the store, at `start`. */
  openStore(): Promise<AccountStore>;
  /** How long a sign-in lasts. */
  sessionDays: number;
  /** Who may invite: only the operator (the command line), or every account too. */
  invitesBy: "operator" | "everyone";
  now?: () => number;
  /** Told when sessions end, so that their open sockets close: one (by its id's hash), or all of the user's. */
  revoked?(userId: string, sessionHash: string | null): void;
  /** Single sign-on with an OpenID Connect provider, if configured. */
  singleSignOn?: SingleSignOn | null;
}

/** How often a session's last use is written. */
export const LAST_USE_EVERY_MS = 60_000;

/** How long a WebAuthn challenge may wait for its answer. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
/** How long an invite lasts unless its maker says otherwise. */
export const DEFAULT_INVITE_HOURS = 72;

const NO_INVITE = new AccountError(
  400,
  "invite-invalid",
  "This invite link has been used or has expired. Ask for a new one.",
);
const CEREMONY_FAILED = new AccountError(
  400,
  "passkey-refused",
  "The passkey could not be checked. Try again.",
);

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(
    /\//g,
    "_",
  ).replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

/** A store's accounts, sessions and ceremonies. */
export class Accounts {
  #options: AccountsOptions;
  #store!: AccountStore;
  #cookieKey: Uint8Array | null = null;
  #now: () => number;

  constructor(options: AccountsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Opens the store and loads the cookie key; nothing is signed in before. */
  async start(): Promise<void> {
    this.#store = await this.#options.openStore();
    this.#cookieKey = await this.#store.cookieKey();
  }

  /** Closes the store. */
  stop(): void {
    this.#store?.close();
  }

  /** Whether `start` has finished. */
  get started(): boolean {
    return this.#cookieKey !== null;
  }

  /** The session a `Cookie` header names, checked by its MAC alone: synchronous, for handshakes. */
  sessionOf(cookieHeader: string | null): SessionRef | null {
    return this.#cookieKey
      ? readSessionCookie(this.#cookieKey, cookieHeader)
      : null;
  }

  /** Whether the session is live in the store (not signed out, not expired); notes its use. */
  async confirm(session: SessionRef): Promise<boolean> {
    const idHash = secretHash(session.sessionId);
    const signIn = await this.#store.signIn(session.userId, idHash);
    if (!signIn) return false;
    // The last use is for people to tell their sessions apart: to the minute
    // is enough, and a handshake need not write.
    const now = this.#now();
    if (now - signIn.lastUsedAt > LAST_USE_EVERY_MS) {
      await this.#store.saveSignIn({ ...signIn, lastUsedAt: now });
    }
    return true;
  }

  /** The invite behind a code, if it can still be used. */
  async invite(code: string) {
    return await this.#store.invite(secretHash(code));
  }

  /**
   * Makes a one-time invite; `userId` fixes the id the account will have.
   * Returns the code for the link (`/signin?invite=CODE`).
   */
  async createInvite(
    createdBy: string,
    userId: string | null,
    hours = DEFAULT_INVITE_HOURS,
  ): Promise<string> {
    if (userId !== null && !isUserId(userId)) {
      throw new AccountError(
        400,
        "invalid-user-id",
        "A user id is 1–64 of A–Z a–z 0–9 . _ ~ -.",
      );
    }
    if (createdBy !== "operator") {
      const account = await this.#store.account(createdBy);
      if (this.#options.invitesBy !== "everyone" && !account?.canInvite) {
        throw new AccountError(
          403,
          "may-not-invite",
          "Only the operator invites people on this server.",
        );
      }
    }
    const code = randomCode();
    const now = this.#now();
    await this.#store.createInvite({
      v: 1,
      codeHash: secretHash(code),
      userId,
      createdBy,
      createdAt: now,
      expiresAt: now + hours * 3600_000,
    });
    return code;
  }

  async #challenge(ceremony: Ceremony, challenge: string): Promise<void> {
    await this.#store.putChallenge(challenge, {
      v: 1,
      ceremony,
      expiresAt: this.#now() + CHALLENGE_TTL_MS,
    });
  }

  /** Takes the response's challenge from the store, once: true when it was issued for `matches`. */
  #takeChallenge(matches: (ceremony: Ceremony) => boolean) {
    return async (challenge: string) => {
      const taken = await this.#store.takeChallenge(challenge);
      return taken !== null && matches(taken.ceremony);
    };
  }

  /** Options to create the first passkey of a new account, from an invite. */
  async registrationOptions(
    rp: RelyingParty,
    code: string,
    userId: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const invite = await this.invite(code);
    if (!invite) throw NO_INVITE;
    const id = invite.userId ?? userId;
    if (!isUserId(id)) {
      throw new AccountError(
        400,
        "invalid-user-id",
        "Your id must be 1–64 of A–Z a–z 0–9 . _ ~ -.",
      );
    }
    if (await this.#store.account(id)) throw this.#taken(id);
    const options = await this.#creationOptions(rp, id, []);
    await this.#challenge(
      { kind: "register", codeHash: invite.codeHash, userId: id },
      options.challenge,
    );
    return options;
  }

  #taken(userId: string): AccountError {
    return new AccountError(
      409,
      "id-taken",
      `${userId} is taken: choose another id.`,
    );
  }

  #creationOptions(rp: RelyingParty, userId: string, existing: Passkey[]) {
    return generateRegistrationOptions({
      rpName: "Nexus Call",
      rpID: rp.id,
      userName: userId,
      // The user handle a passkey returns at sign-in: it names the account.
      userID: new TextEncoder().encode(userId),
      attestationType: "none",
      excludeCredentials: existing.map((passkey) => ({
        id: passkey.credentialId,
        transports: passkey.transports,
      })),
      authenticatorSelection: {
        residentKey: "required",
        userVerification: "preferred",
      },
    });
  }

  async #verifiedPasskey(
    rp: RelyingParty,
    response: RegistrationResponseJSON,
    matches: (ceremony: Ceremony) => boolean,
    userId: string,
    label: string,
  ): Promise<Passkey> {
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: this.#takeChallenge(matches),
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: false,
      });
    } catch {
      throw CEREMONY_FAILED;
    }
    if (!verified.verified) throw CEREMONY_FAILED;
    const { credential } = verified.registrationInfo;
    return {
      v: 1,
      userId,
      credentialId: credential.id,
      publicKey: base64url(credential.publicKey),
      counter: credential.counter,
      transports: credential.transports ?? [],
      label,
      createdAt: this.#now(),
      lastUsedAt: null,
    };
  }

  /** Creates the account and its first passkey from an invite, and signs it in. */
  async register(
    rp: RelyingParty,
    code: string,
    userId: string,
    response: RegistrationResponseJSON,
    device: string,
  ): Promise<NewSession> {
    const codeHash = secretHash(code);
    const invite = await this.#store.invite(codeHash);
    const id = invite?.userId ?? userId;
    const passkey = await this.#verifiedPasskey(
      rp,
      response,
      (ceremony) =>
        ceremony.kind === "register" && ceremony.codeHash === codeHash &&
        ceremony.userId === id,
      id,
      device,
    );
    const refused = await this.#store.register(
      codeHash,
      {
        v: 1,
        userId: id,
        createdAt: this.#now(),
        canInvite: false,
      },
      passkey,
      this.#now(),
    );
    if (refused === "invite-invalid") throw NO_INVITE;
    if (refused === "id-taken") throw this.#taken(id);
    return await this.#startSession(id, device);
  }

  /** Options to sign in with any passkey of this site: the passkey names the account. */
  async signInOptions(
    rp: RelyingParty,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const options = await generateAuthenticationOptions({
      rpID: rp.id,
      userVerification: "preferred",
    });
    await this.#challenge({ kind: "sign-in" }, options.challenge);
    return options;
  }

  /**
   * Signs in with a passkey's answer. An unknown passkey, a wrong signature
   * and a used challenge get the same answer.
   */
  async signIn(
    rp: RelyingParty,
    response: AuthenticationResponseJSON,
    device: string,
  ): Promise<NewSession> {
    const handle = response.response.userHandle;
    const userId = handle
      ? new TextDecoder().decode(fromBase64url(handle))
      : "";
    const passkey = isUserId(userId)
      ? await this.#store.passkey(userId, response.id)
      : null;
    if (!passkey) throw CEREMONY_FAILED;
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: this.#takeChallenge((c) => c.kind === "sign-in"),
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: false,
        credential: {
          id: passkey.credentialId,
          publicKey: fromBase64url(passkey.publicKey),
          counter: passkey.counter,
        },
      });
    } catch {
      throw CEREMONY_FAILED;
    }
    if (!verified.verified) throw CEREMONY_FAILED;
    await this.#store.savePasskey({
      ...passkey,
      counter: verified.authenticationInfo.newCounter,
      lastUsedAt: this.#now(),
    });
    return await this.#startSession(userId, device);
  }

  async #startSession(userId: string, device: string): Promise<NewSession> {
    const sessionId = randomCode();
    const now = this.#now();
    const maxAgeS = this.#options.sessionDays * 86_400;
    await this.#store.saveSignIn({
      v: 1,
      userId,
      idHash: secretHash(sessionId),
      createdAt: now,
      expiresAt: now + maxAgeS * 1000,
      lastUsedAt: now,
      device,
    });
    return {
      cookie: cookieValue(this.#cookieKey!, { userId, sessionId }),
      userId,
      maxAgeS,
    };
  }

  /** Options to add another passkey (another device) to a signed-in account. */
  async addPasskeyOptions(
    rp: RelyingParty,
    userId: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const options = await this.#creationOptions(
      rp,
      userId,
      await this.#store.passkeys(userId),
    );
    await this.#challenge({ kind: "add-passkey", userId }, options.challenge);
    return options;
  }

  /** Adds the passkey a signed-in person just made. */
  async addPasskey(
    rp: RelyingParty,
    userId: string,
    response: RegistrationResponseJSON,
    device: string,
  ): Promise<void> {
    const passkey = await this.#verifiedPasskey(
      rp,
      response,
      (ceremony) =>
        ceremony.kind === "add-passkey" && ceremony.userId === userId,
      userId,
      device,
    );
    await this.#store.savePasskey(passkey);
  }

  /** Removes a passkey; the last one stays, or nobody could sign in. */
  async removePasskey(userId: string, credentialId: string): Promise<void> {
    if (!await this.#store.removePasskey(userId, credentialId)) {
      throw new AccountError(
        409,
        "last-passkey",
        "That is your only passkey (or it is gone already): add another before removing it.",
      );
    }
  }

  /** What the settings show: the account's passkeys and live sessions, this one marked. */
  async overview(session: SessionRef) {
    const { userId } = session;
    const current = secretHash(session.sessionId);
    const [account, passkeys, signIns] = await Promise.all([
      this.#store.account(userId),
      this.#store.passkeys(userId),
      this.#store.signIns(userId),
    ]);
    return {
      userId,
      canInvite: this.#options.invitesBy === "everyone" ||
        account?.canInvite === true,
      // Oldest first: a list that does not reorder itself between visits.
      passkeys: passkeys.toSorted((a, b) => a.createdAt - b.createdAt).map((
        { credentialId, label, createdAt, lastUsedAt },
      ) => ({
        id: credentialId,
        label,
        createdAt,
        lastUsedAt,
      })),
      sessions: signIns.toSorted((a, b) => b.lastUsedAt - a.lastUsedAt).map((
        signIn: SignIn,
      ) => ({
        device: signIn.device,
        createdAt: signIn.createdAt,
        lastUsedAt: signIn.lastUsedAt,
        current: signIn.idHash === current,
      })),
    };
  }

  /** The single sign-on provider's name, for the sign-in button; null without one. */
  get singleSignOnName(): string | null {
    return this.#options.singleSignOn?.config.name ?? null;
  }

  /** Where the provider sends people back; null without single sign-on. */
  get singleSignOnRedirectUri(): string | null {
    return this.#options.singleSignOn?.config.redirectUri ?? null;
  }

  /** Where to send a person who signs in with the provider; what comes back is kept meanwhile. */
  async startSingleSignOn(): Promise<URL> {
    const sso = this.#singleSignOn();
    const { url, state, pending } = await sso.start();
    await this.#store.putChallenge(state, {
      v: 1,
      ceremony: { kind: "single-sign-on", ...pending },
      expiresAt: this.#now() + CHALLENGE_TTL_MS,
    });
    return url;
  }

  /**
   * The provider sent the person back to `callbackUrl`: their account
   * (made on first sign-in) is signed in.
   */
  async finishSingleSignOn(
    callbackUrl: URL,
    device: string,
  ): Promise<NewSession> {
    const sso = this.#singleSignOn();
    const state = callbackUrl.searchParams.get("state") ?? "";
    const taken = state ? await this.#store.takeChallenge(state) : null;
    if (taken?.ceremony.kind !== "single-sign-on") {
      throw new AccountError(
        400,
        "sign-on-expired",
        "That sign-in took too long or was used already: start again.",
      );
    }
    let userId: string;
    try {
      userId = await sso.finish(callbackUrl, state, taken.ceremony);
    } catch (error) {
      if (error instanceof SignOnRefused) {
        throw new AccountError(403, "sign-on-refused", error.message);
      }
      throw error;
    }
    await this.#store.ensureAccount({
      v: 1,
      userId,
      createdAt: this.#now(),
      canInvite: false,
    });
    return await this.#startSession(userId, device);
  }

  #singleSignOn(): SingleSignOn {
    const sso = this.#options.singleSignOn;
    if (!sso) {
      throw new AccountError(
        404,
        "no-single-sign-on",
        "This server has no single sign-on.",
      );
    }
    return sso;
  }

  /** Ends this session; its sockets close. */
  async signOut(session: SessionRef): Promise<void> {
    const hash = secretHash(session.sessionId);
    await this.#store.revokeSignIn(session.userId, hash);
    this.#options.revoked?.(session.userId, hash);
  }

  /** Ends every session of the user, this one too; all their sockets close. */
  async signOutEverywhere(userId: string): Promise<void> {
    await this.#store.revokeSignIns(userId);
    this.#options.revoked?.(userId, null);
  }
}
