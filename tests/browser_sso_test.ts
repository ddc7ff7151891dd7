/**
 * Single sign-on in real Chromium against a real OpenID Connect provider
 * (`oidc-provider`, run by the test): a person signs in at the provider and
 * comes back signed in to an account made for them, ready to call; a
 * provider's person outside the allowed domains is refused in words; a
 * callback whose state was not issued here is refused; and a callback from
 * a sign-on another browser started (login CSRF) is refused.
 */
import assert from "node:assert/strict";
import { startAppProcess } from "./support/app_process.ts";
import { launchChromium, waitForStatus } from "./support/browser.ts";
import { CHROMIUM, needsService } from "./support/environment.ts";
import { startOidcProvider } from "./support/oidc_provider.ts";
import { freePort } from "./support/process.ts";
import type { Browser, Page } from "playwright-core";

/** Signs in at the provider's development pages as `login`, and consents. */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

async function startWithProvider(domains: string) {
  const port = freePort();
  const publicUrl = `http://localhost:${port}`;
  const provider = await startOidcProvider(`${publicUrl}/auth/oidc/callback`);
  const dir = await Deno.makeTempDir();
  const app = await startAppProcess({
    PORT: String(port),
    NEXUS_ACCOUNTS: "on",
    NEXUS_ACCOUNTS_KV: `${dir}/a.db`,
    NEXUS_PUBLIC_URL: publicUrl,
    NEXUS_OIDC_ISSUER: provider.issuer,
    NEXUS_OIDC_CLIENT_ID: provider.clientId,
    NEXUS_OIDC_CLIENT_SECRET: provider.clientSecret,
    NEXUS_OIDC_NAME: "Example ID",
    NEXUS_OIDC_DOMAINS: domains,
  });
  return {
    app,
    async stop() {
      await app.stop();
      await provider.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function pageIn(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

Deno.test({
  name: "browser: single sign-on with a real OpenID Connect provider",
  ignore: needsService(CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const chromium = await launchChromium();
    try {
      await t.step(
        "signed in at the provider: back, with an account, ready to call",
        async () => {
          const server = await startWithProvider("example.org");
          try {
            const page = await pageIn(chromium);
            await page.goto(server.app.http);
            await page.getByRole("link", { name: "Sign in with Example ID" })
              .click();
            await signInAtProvider(page, "carol");
            await waitForStatus(page, "Signed in as carol");
            await page.getByRole("link", { name: "Account" }).click();
            await page.getByText("(this browser)").waitFor();
            await page.context().close();
          } finally {
            await server.stop();
          }
        },
      );
      await t.step(
        "a person outside the allowed domains is refused in words",
        async () => {
          const server = await startWithProvider("example.com");
          try {
            const page = await pageIn(chromium);
            await page.goto(`${server.app.http}/signin`);
            await page.getByRole("link", { name: "Sign in with Example ID" })
              .click();
            await signInAtProvider(page, "mallory");
            await page.getByRole("alert").getByText(
              "Only people with a verified address at example.com may sign in here.",
            ).waitFor();
            await page.goto(server.app.http);
            assert.equal(new URL(page.url()).pathname, "/signin");
            await page.context().close();
            const forged = await fetch(
              `${server.app.http}/auth/oidc/callback?code=x&state=never-issued`,
            );
            assert.equal(forged.status, 400);
            assert.match(
              await forged.text(),
              /took too long or was used already/,
            );
          } finally {
            await server.stop();
          }
        },
      );
      await t.step(
        "login CSRF: mallory's own callback, opened in alice's browser, signs nobody in",
        async () => {
          const server = await startWithProvider("example.org");
          try {
            // mallory signs on as herself and keeps the callback instead of following it.
            const mallory = await pageIn(chromium);
            let callback = "";
            // The provider's redirect is followed inside the browser, past
            // page.route: DevTools' Fetch domain pauses it.
            const cdp = await mallory.context().newCDPSession(mallory);
            cdp.on("Fetch.requestPaused", ({ requestId, request }) => {
              callback = request.url;
              cdp.send("Fetch.failRequest", {
                requestId,
                errorReason: "Aborted",
              });
            });
            await cdp.send("Fetch.enable", {
              patterns: [{ urlPattern: "*/auth/oidc/callback?*" }],
            });
            await mallory.goto(`${server.app.http}/signin`);
            await mallory.getByRole("link", { name: "Sign in with Example ID" })
              .click();
            await signInAtProvider(mallory, "mallory");
            const deadline = Date.now() + 10_000;
            while (!callback && Date.now() < deadline) {
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
            assert.match(callback, /\/auth\/oidc\/callback\?.*state=/);
            await mallory.context().close();
            // alice opens the link mallory sent her.
            const alice = await pageIn(chromium);
            await alice.goto(callback);
            await alice.getByRole("alert").getByText(
              "That sign-in was started in another browser: start it again here.",
            ).waitFor();
            await alice.goto(server.app.http);
            assert.equal(new URL(alice.url()).pathname, "/signin");
            const me = await alice.request.get(`${server.app.http}/auth/me`);
            assert.equal(me.status(), 401);
            await alice.context().close();
          } finally {
            await server.stop();
          }
        },
      );
    } finally {
      await chromium.close();
    }
  },
});
