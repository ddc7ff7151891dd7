/**
 * Passkeys in headless Chromium: the DevTools virtual authenticator (CDP
 * `WebAuthn.*`) answers real WebAuthn ceremonies, as a platform
 * authenticator with user verification would. Test-only.
 */
import type { BrowserContext, CDPSession, Page } from "playwright-core";

/** A virtual authenticator in one page's browser context. */
export interface VirtualAuthenticator {
  cdp: CDPSession;
  id: string;
  /** The passkeys it holds, as CDP gives them (with their private keys). */
  credentials(): Promise<unknown[]>;
  /** Puts passkeys taken from another authenticator into this one: the same device, another browser profile. */
  add(credentials: unknown[]): Promise<void>;
  remove(): Promise<void>;
}

/** Adds a platform authenticator that always verifies its user to `page`'s browser. */
export async function addAuthenticator(
  context: BrowserContext,
  page: Page,
): Promise<VirtualAuthenticator> {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId: id } = await cdp.send(
    "WebAuthn.addVirtualAuthenticator",
    {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    },
  );
  return {
    cdp,
    id,
    credentials: async () =>
      (await cdp.send("WebAuthn.getCredentials", { authenticatorId: id }))
        .credentials,
    async add(credentials) {
      for (const credential of credentials) {
        await cdp.send("WebAuthn.addCredential", {
          authenticatorId: id,
          credential: credential as never,
        });
      }
    },
    remove: async () =>
      void await cdp.send("WebAuthn.removeVirtualAuthenticator", {
        authenticatorId: id,
      }),
  };
}
