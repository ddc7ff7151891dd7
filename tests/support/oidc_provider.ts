/**
 * A real OpenID Connect provider (`oidc-provider`) on a loopback port, with
 * its development sign-in pages: whatever login name is typed signs in as
 * that person, whose e-mail is `<name>@<domain>`, verified. Test-only.
 */
import { freePort } from "./process.ts";

/** A running provider. */
export interface OidcProvider {
  /** e.g. `http://localhost:PORT` */
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/**
 * Starts a provider with one client, which may send people back to
 * `redirectUri`. The library is loaded here: it reads the environment as it
 * loads, which a bare `deno test` does not allow.
 */
export async function startOidcProvider(
  redirectUri: string,
  domain = "example.org",
): Promise<OidcProvider> {
  const { default: Provider } = await import("oidc-provider");
  const port = freePort();
  const issuer = `http://localhost:${port}`;
  const clientId = "nexus-call";
  const clientSecret = crypto.randomUUID();
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    }],
    pkce: { required: () => true },
    // Lifetimes of its own, so that it does not print a notice for each default.
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AccessToken: 600,
      IdToken: 600,
    },
    claims: {
      profile: ["preferred_username"],
      email: ["email", "email_verified"],
    },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({
        sub: id,
        preferred_username: id,
        email: `${id}@${domain}`,
        email_verified: true,
      }),
    }),
  });
  // Its notices about development keys and pages are for servers, not this test.
  const warn = console.warn;
  console.warn = () => {};
  const server = provider.listen(port);
  console.warn = warn;
  return {
    issuer,
    clientId,
    clientSecret,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
