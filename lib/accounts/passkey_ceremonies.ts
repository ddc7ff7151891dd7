/**
 * The WebAuthn ceremonies (`@simplewebauthn/server`): an account's first
 * passkey from an invite, signing in with any passkey of this site (its user
 * handle names the account), adding and removing passkeys.
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
import { isAccountId, isUserId } from "../wire/protocol.ts";
import { AccountError } from "./account_error.ts";
import type { Challenges } from "./challenges.ts";
import { type Ceremony, type Passkey, RECORD_VERSION } from "./records.ts";
import { secretHash } from "./session_cookie.ts";
import type { NewSession, Sessions } from "./sessions.ts";
import type { AccountStore } from "./store.ts";

/** The site a ceremony runs for: the page's origin, checked by the origin policy. */
export interface RelyingParty {
  /** e.g. `https://call.example.org` */
  origin: string;
  /** The origin's host name: WebAuthn's RP ID. */
  id: string;
}

/** The refusal of an invite that is used up or expired. */
export const NO_INVITE = new AccountError(
  400,
  "invite-invalid",
  "This invite link has been used or has expired. Ask for a new one.",
);
const CEREMONY_FAILED = new AccountError(
  400,
  "passkey-refused",
  "The passkey could not be checked. Try again.",
);

/**
 * A new passkey whose credential id is known already, to any account: taken
 * as a new one, it would replace the real one's public key.
 */
const CREDENTIAL_TAKEN = new AccountError(
  409,
  "passkey-known",
  "That passkey is registered already.",
);

function taken(userId: string): AccountError {
  return new AccountError(
    409,
    "id-taken",
    `${userId} is taken: choose another id.`,
  );
}

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

/**
 * The account a user handle names, read as strict base64url: `atob` skips
 * white space and ignores stray bits, so one handle could be spelled many
 * ways. Only the one spelling that encodes back to itself is read.
 */
function handleUserId(handle: string | undefined): string | null {
  if (!handle || !/^[A-Za-z0-9_-]+$/.test(handle) || handle.length % 4 === 1) {
    return null;
  }
  const bytes = fromBase64url(handle);
  if (base64url(bytes) !== handle) return null;
  const userId = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  return isUserId(userId) ? userId : null;
}

/** The ceremonies over one store. */
export class PasskeyCeremonies {
  constructor(
    private readonly store: AccountStore,
    private readonly challenges: Challenges,
    private readonly sessions: Sessions,
    private readonly now: () => number,
  ) {}

  /** Options to create the first passkey of a new account, from an invite. */
  async registrationOptions(
    rp: RelyingParty,
    code: string,
    userId: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const invite = await this.store.invite(secretHash(code));
    if (!invite) throw NO_INVITE;
    const id = invite.userId ?? userId;
    if (!isAccountId(id)) {
      throw new AccountError(
        400,
        "invalid-user-id",
        "Your id must be 1–64 of A–Z a–z 0–9 . _ ~ -, not beginning with ~ (kept for guests).",
      );
    }
    if (await this.store.account(id)) throw taken(id);
    const options = await this.#creationOptions(rp, id, []);
    await this.challenges.put(options.challenge, {
      kind: "register",
      codeHash: invite.codeHash,
      userId: id,
    });
    return options;
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
    const challenge = this.challenges.takenFor(matches);
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: false,
      });
    } catch {
      if (challenge.failure) throw challenge.failure.error;
      throw CEREMONY_FAILED;
    }
    if (!verified.verified) throw CEREMONY_FAILED;
    const { credential } = verified.registrationInfo;
    return {
      v: RECORD_VERSION,
      userId,
      credentialId: credential.id,
      publicKey: base64url(credential.publicKey),
      counter: credential.counter,
      transports: credential.transports ?? [],
      label,
      createdAt: this.now(),
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
    const invite = await this.store.invite(codeHash);
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
    const refused = await this.store.register(
      codeHash,
      {
        v: RECORD_VERSION,
        userId: id,
        createdAt: this.now(),
        canInvite: false,
      },
      passkey,
      this.now(),
    );
    if (refused === "invite-invalid") throw NO_INVITE;
    if (refused === "id-taken") throw taken(id);
    if (refused === "credential-taken") throw CREDENTIAL_TAKEN;
    return await this.sessions.open(id, device);
  }

  /** Options to sign in with any passkey of this site: the passkey names the account. */
  async signInOptions(
    rp: RelyingParty,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const options = await generateAuthenticationOptions({
      rpID: rp.id,
      userVerification: "preferred",
    });
    await this.challenges.put(options.challenge, { kind: "sign-in" });
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
    const userId = handleUserId(response.response.userHandle);
    const passkey = userId
      ? await this.store.passkey(userId, response.id)
      : null;
    if (!userId || !passkey) throw CEREMONY_FAILED;
    const challenge = this.challenges.takenFor((c) => c.kind === "sign-in");
    let verified;
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
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
      if (challenge.failure) throw challenge.failure.error;
      throw CEREMONY_FAILED;
    }
    if (!verified.verified) throw CEREMONY_FAILED;
    await this.store.savePasskey({
      ...passkey,
      counter: verified.authenticationInfo.newCounter,
      lastUsedAt: this.now(),
    });
    return await this.sessions.open(userId, device);
  }

  /** Options to add another passkey (another device) to a signed-in account. */
  async addOptions(
    rp: RelyingParty,
    userId: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const options = await this.#creationOptions(
      rp,
      userId,
      await this.store.passkeys(userId),
    );
    await this.challenges.put(options.challenge, {
      kind: "add-passkey",
      userId,
    });
    return options;
  }

  /** Adds the passkey a signed-in person just made. */
  async add(
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
    // A passkey kept from before credential ids were indexed is known by its account.
    if (
      await this.store.passkey(userId, passkey.credentialId) ||
      !await this.store.addPasskey(passkey)
    ) {
      throw CREDENTIAL_TAKEN;
    }
  }

  /** Removes a passkey; the last one stays, or nobody could sign in. */
  async remove(userId: string, credentialId: string): Promise<void> {
    if (!await this.store.removePasskey(userId, credentialId)) {
      throw new AccountError(
        409,
        "last-passkey",
        "That is your only passkey (or it is gone already): add another before removing it.",
      );
    }
  }

  /** The account's passkeys, oldest first: a list that does not reorder itself between visits. */
  async list(userId: string) {
    return (await this.store.passkeys(userId))
      .toSorted((a, b) => a.createdAt - b.createdAt)
      .map(({ credentialId, label, createdAt, lastUsedAt }) => ({
        id: credentialId,
        label,
        createdAt,
        lastUsedAt,
      }));
  }
}
