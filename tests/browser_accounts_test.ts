/**
 * Accounts in real Chromium with passkeys (the DevTools virtual
 * authenticator): an operator's invite from `deno task invite`, a passkey
 * made from it, two accounts made contacts on the contacts page, a call
 * between them, a second passkey added and
 * the first removed, signing in again with a passkey, and "sign out
 * everywhere" closing another browser's live socket.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type AppProcess, startAppProcess } from "./support/app_process.ts";
import { launchChromium, waitForStatus } from "./support/browser.ts";
import { CHROMIUM, needsService } from "./support/environment.ts";
import { addAuthenticator } from "./support/passkeys.ts";

/** `deno task invite` against the app's store, as its operator runs it: the link it prints. */
async function invite(
  app: AppProcess,
  env: Record<string, string>,
  userId?: string,
): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "lib/cli/invite.ts",
      ...(userId ? [userId] : []),
    ],
    env: { ...env, NEXUS_PUBLIC_URL: app.http },
  }).output();
  const decoder = new TextDecoder();
  assert.equal(code, 0, decoder.decode(stderr));
  return decoder.decode(stdout).trim();
}

/** A browser context of its own (a device), with a passkey authenticator. */
async function device(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const authenticator = await addAuthenticator(context, page);
  return { context, page, authenticator };
}

/** Opens an invite link and makes the account's passkey, choosing `userId` if the invite lets one. */
async function register(page: Page, link: string, userId?: string) {
  await page.goto(link);
  if (userId) {
    await page.getByRole("textbox", { name: "Your id" }).fill(userId);
  }
  await page.getByRole("button", { name: "Create passkey" }).click();
  await page.waitForURL((url) => url.pathname === "/");
}

async function signedInAs(page: Page, userId: string): Promise<void> {
  await waitForStatus(page, `Signed in as ${userId}`);
}

Deno.test({
  name:
    "browser: accounts with passkeys: invite, register, call, passkeys, sign in again, sign out everywhere",
  ignore: needsService(CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir();
    const env = {
      NEXUS_ACCOUNTS: "on",
      NEXUS_ACCOUNTS_KV: `${dir}/accounts.db`,
    };
    const app = await startAppProcess(env);
    const chromium = await launchChromium();
    const contexts: BrowserContext[] = [];
    try {
      const alice = await device(chromium);
      const bob = await device(chromium);
      contexts.push(alice.context, bob.context);

      await t.step(
        "a stranger without a sign-in is sent to the sign-in page",
        async () => {
          const page = await (await chromium.newContext()).newPage();
          await page.goto(app.http);
          assert.equal(new URL(page.url()).pathname, "/signin");
          assert.equal(
            await page.getByRole("button", { name: "Sign in with a passkey" })
              .count(),
            1,
          );
          await page.context().close();
        },
      );

      await t.step(
        "invites from the command line: a passkey made from each, signed in at once",
        async () => {
          await register(alice.page, await invite(app, env, "alice"));
          await signedInAs(alice.page, "alice");
          const link = await invite(app, env);
          await register(bob.page, link, "bob");
          await signedInAs(bob.page, "bob");
          // The invite is used up.
          await alice.page.goto(link);
          await alice.page.getByText(
            "This invite link has been used or has expired",
          ).waitFor();
          await alice.page.goto(app.http);
          await signedInAs(alice.page, "alice");
        },
      );

      await t.step(
        "contacts: alice adds bob on the contacts page, bob accepts; only then do they see each other online",
        async () => {
          const bobOnline = alice.page.getByRole("button", {
            name: "bob",
            exact: true,
          });
          assert.equal(await bobOnline.count(), 0, "a stranger is not shown");
          await alice.page.getByRole("link", { name: "Contacts" }).click();
          await alice.page.getByRole("textbox", { name: "User id to add" })
            .fill("bob");
          await alice.page.getByRole("button", { name: "Add contact" }).click();
          await waitForStatus(alice.page, "bob is now a contact.");
          await alice.page.getByRole("link", { name: "Back to calls" }).click();
          await signedInAs(alice.page, "alice");

          await bob.page.getByRole("link", { name: "Contacts" }).click();
          await bob.page.getByText("alice added you").waitFor();
          await bob.page.getByRole("button", { name: "Accept alice" }).click();
          await waitForStatus(bob.page, "alice is now a contact.");
          await bob.page.getByRole("link", { name: "Back to calls" }).click();
          await signedInAs(bob.page, "bob");
          await bobOnline.waitFor();
        },
      );

      await t.step("two accounts call each other", async () => {
        await alice.page.getByRole("button", { name: "bob", exact: true })
          .click();
        await waitForStatus(bob.page, "alice is calling you");
        await bob.page.getByRole("button", { name: "Accept call" }).click();
        await waitForStatus(alice.page, "In call with bob");
        await alice.page.getByRole("button", { name: "End call" }).click();
        await waitForStatus(bob.page, "alice ended the call");
      });

      await t.step(
        "the call page lists one's contacts, online or not",
        async () => {
          const bobRow = alice.page.getByRole("listitem").filter({
            has: alice.page.getByRole("button", { name: "bob", exact: true }),
          });
          // bob leaves his call page; alice's, loaded again, still lists him.
          await bob.page.getByRole("link", { name: "Contacts" }).click();
          await alice.page.reload();
          await signedInAs(alice.page, "alice");
          await bobRow.getByText("offline").waitFor();
          await bob.page.getByRole("link", { name: "Back to calls" }).click();
          await signedInAs(bob.page, "bob");
          await bobRow.getByText("online", { exact: true }).waitFor();
        },
      );

      await t.step(
        "a second passkey added, the first removed; the last one cannot be",
        async () => {
          await alice.page.getByRole("link", { name: "Account" }).click();
          await alice.page.getByRole("heading", { name: "Passkeys" }).waitFor();
          const first = alice.authenticator;
          // A second device's authenticator: the first is put away meanwhile.
          const saved = await first.credentials();
          await first.remove();
          alice.authenticator = await addAuthenticator(
            alice.context,
            alice.page,
          );
          await alice.page.getByRole("button", { name: "Add a passkey" })
            .click();
          const removes = alice.page.getByRole("button", {
            name: /^Remove passkey/,
          });
          await removes.nth(1).waitFor();
          assert.equal(await removes.count(), 2);
          await removes.first().click();
          await alice.page.waitForFunction(() =>
            document.querySelectorAll('[aria-label^="Remove passkey"]')
              .length === 1
          );
          await removes.first().click();
          await alice.page.getByRole("alert").getByText(
            "That is your only passkey",
          ).waitFor();
          // The removed passkey signs in no more.
          const other = await device(chromium);
          contexts.push(other.context);
          await other.authenticator.add(saved);
          await other.page.goto(`${app.http}/signin`);
          await other.page.getByRole("button", {
            name: "Sign in with a passkey",
          }).click();
          await other.page.getByRole("alert").getByText("could not be checked")
            .waitFor();
        },
      );

      await t.step(
        "signing in again with the passkey, in another browser; sign out everywhere closes the first one's socket",
        async () => {
          const second = await device(chromium);
          contexts.push(second.context);
          await second.authenticator.add(
            await alice.authenticator.credentials(),
          );
          await second.page.goto(app.http);
          await second.page.getByRole("button", {
            name: "Sign in with a passkey",
          }).click();
          await second.page.waitForURL((url) => url.pathname === "/");
          await signedInAs(second.page, "alice");
          await alice.page.goto(app.http);
          await signedInAs(alice.page, "alice");

          await second.page.getByRole("link", { name: "Account" }).click();
          await second.page.getByText("(this browser)").waitFor();
          assert.equal(
            await second.page.getByRole("region", {
              name: "Signed-in browsers",
            }).getByRole("listitem").count(),
            2,
          );
          await second.page.getByRole("button", { name: "Sign out everywhere" })
            .click();
          await second.page.waitForURL((url) => url.pathname === "/signin");
          await waitForStatus(alice.page, "You were signed out");
          await alice.page.goto(app.http);
          assert.equal(new URL(alice.page.url()).pathname, "/signin");
        },
      );
    } finally {
      for (const context of contexts) await context.close();
      await chromium.close();
      await app.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
