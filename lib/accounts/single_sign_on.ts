/**
 * Single sign-on with OpenID Connect (`openid-client`): the authorization
 * code flow with PKCE, a state and a nonce, against one configured issuer.
 * A claim of the ID token (by default `preferred_username`) is the user id;
 * with allowed domains, only a verified e-mail address in one of them gets
 * in. The identity provider vouches for the person, so no invite is needed:
 * the account is made on first sign-in.
 * @module
 */
import type * as Oidc from "openid-client";
import { isAccountId } from "../wire/protocol.ts";
import type { SingleSignOnConfig } from "../config/accounts_config.ts";

/** `openid-client`, loaded on the first sign-on, so that a server without one never pays for it. */
let library: Promise<typeof Oidc> | null = null;
const openidClient = () => library ??= import("openid-client");

/** What a sign-on waits for, kept under its state until the provider sends the person back. */
export interface PendingSignOn {
  verifier: string;
  nonce: string;
}

/** Why a sign-on was refused, for the person. */
export class SignOnRefused extends Error {}

/** Whether the issuer is on this machine, where plain http is allowed (tests, a local provider). */
function isLoopback(url: URL): boolean {
  return url.hostname === "localhost" || url.hostname === "127.0.0.1" ||
    url.hostname === "[::1]";
}

/** One configured identity provider. */
export class SingleSignOn {
  readonly config: SingleSignOnConfig;
  #discovered: Promise<Oidc.Configuration> | null = null;

  constructor(config: SingleSignOnConfig) {
    this.config = config;
  }

  /** The provider's metadata, fetched once (again after a failure). */
  #provider(): Promise<Oidc.Configuration> {
    const issuer = new URL(this.config.issuer);
    this.#discovered ??= openidClient().then((oidc) =>
      oidc.discovery(
        issuer,
        this.config.clientId,
        this.config.clientSecret,
        undefined,
        isLoopback(issuer) ? { execute: [oidc.allowInsecureRequests] } : {},
      )
    ).catch((error) => {
      this.#discovered = null;
      throw error;
    });
    return this.#discovered;
  }

  /** Where to send the person, and what to keep under `state` until they come back. */
  async start(): Promise<
    { url: URL; state: string; pending: PendingSignOn }
  > {
    const provider = await this.#provider();
    const oidc = await openidClient();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(provider, {
      redirect_uri: this.config.redirectUri,
      scope: "openid profile email",
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    return { url, state, pending: { verifier, nonce } };
  }

  /**
   * The user id of the person the provider sent back to `callbackUrl`
   * (the redirect URI with its query), once the code is exchanged and the
   * ID token checked against what was kept.
   */
  async finish(
    callbackUrl: URL,
    state: string,
    pending: PendingSignOn,
  ): Promise<string> {
    const provider = await this.#provider();
    const oidc = await openidClient();
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(provider, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims()!;
      // Many providers put profile and e-mail claims only in the userinfo
      // answer; the ID token's own claims win where both have one.
      const userInfo = await oidc.fetchUserInfo(
        provider,
        tokens.access_token,
        idToken.sub,
      );
      claims = { ...userInfo, ...idToken };
    } catch {
      throw new SignOnRefused(
        `${this.config.name} did not confirm who you are. Try again.`,
      );
    }
    const userId = claims?.[this.config.userClaim];
    if (typeof userId !== "string" || !isAccountId(userId)) {
      throw new SignOnRefused(
        `${this.config.name} gives no user id this server can use (its ${this.config.userClaim} must be 1–64 of A–Z a–z 0–9 . _ ~ -, not beginning with ~).`,
      );
    }
    const { domains } = this.config;
    if (domains.length > 0) {
      const email = claims?.email;
      const domain = typeof email === "string"
        ? email.split("@").pop()?.toLowerCase()
        : undefined;
      if (
        claims?.email_verified !== true || !domain || !domains.includes(domain)
      ) {
        throw new SignOnRefused(
          `Only people with a verified address at ${
            domains.join(", ")
          } may sign in here.`,
        );
      }
    }
    return userId;
  }
}
