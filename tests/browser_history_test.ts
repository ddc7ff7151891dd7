/**
 * Missed calls and the call history in real Chromium, in accounts mode: a
 * call bob did not pick up shows as a badge on his calling page and, after
 * a reload, is still there; the history page lists it as missed, and its
 * **Call back** places the call; **Clear history** empties the history. A
 * browser without a sign-in is sent from the history and contacts pages to
 * sign in.
 */
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { KvAccountStore } from "../lib/accounts/kv_store.ts";
import { post, signedIn } from "./support/accounts.ts";
import {
  type AppProcess,
  startAppProcess,
  untilReady,
} from "./support/app_process.ts";
import {
  holdSession,
  launchChromium,
  waitForStatus,
} from "./support/browser.ts";
import { CHROMIUM, needsService } from "./support/environment.ts";

/** A browser context holding `cookie` (the account's sign-in), on the calling page. */
async function signedInPage(
  contexts: BrowserContext[],
  browser: Awaited<ReturnType<typeof launchChromium>>,
  app: AppProcess,
  userId: string,
  cookie: string,
): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  await holdSession(context, app.http, cookie);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(app.http);
  await waitForStatus(page, `Signed in as ${userId}`);
  return page;
}

Deno.test({
  name:
    "browser: a missed call shows as a badge and in the history; Call back places the call; Clear history empties it",
  ignore: needsService(CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir();
    const env = { NEXUS_ACCOUNTS: "on", NEXUS_ACCOUNTS_KV: `${dir}/a.db` };
    const app = await startAppProcess(env);
    const chromium = await launchChromium();
    const contexts: BrowserContext[] = [];
    const store = await KvAccountStore.open(`${dir}/a.db`);
    try {
      await untilReady([app]);
      const alice = await signedIn(store, "alice");
      const bob = await signedIn(store, "bob");
      for (const [who, other] of [[alice, "bob"], [bob, "alice"]] as const) {
        const made = await post(app, "contacts/add", { userId: other }, {
          cookie: who.cookie,
        });
        assert.equal(made.status, 200);
        await made.body?.cancel();
      }
      const alicePage = await signedInPage(
        contexts,
        chromium,
        app,
        "alice",
        alice.cookie,
      );
      const bobPage = await signedInPage(
        contexts,
        chromium,
        app,
        "bob",
        bob.cookie,
      );
      const badge = bobPage.getByRole("link", { name: /^Call history/ });

      await t.step(
        "without a sign-in, the history and contacts pages send the browser to sign in",
        async () => {
          const stranger = await chromium.newContext();
          contexts.push(stranger);
          const page = await stranger.newPage();
          for (const path of ["/history", "/contacts"]) {
            await page.goto(app.http + path);
            await page.waitForURL((url) => url.pathname === "/signin");
          }
        },
      );

      await t.step(
        "alice calls and gives up before bob answers: bob's page shows one missed call, still after a reload",
        async () => {
          assert.equal(await badge.textContent(), "Call history");
          await alicePage.getByRole("button", { name: "bob", exact: true })
            .click();
          await waitForStatus(bobPage, "alice is calling you");
          await alicePage.getByRole("button", { name: "End call" }).click();
          await waitForStatus(bobPage, "Missed call from alice");
          await bobPage.getByRole("link", { name: "Call history 1 missed" })
            .waitFor();
          await bobPage.reload();
          await bobPage.getByRole("link", { name: "Call history 1 missed" })
            .waitFor();
        },
      );

      await t.step(
        "the history lists the missed call; Call back rings alice, and the call connects",
        async () => {
          await badge.click();
          await bobPage.getByRole("heading", { name: "Call history" })
            .waitFor();
          const calls = bobPage.getByRole("list", { name: "Calls" });
          await calls.getByText("Missed call from alice").waitFor();
          await bobPage.getByText("1 missed call since you last looked.")
            .waitFor();
          await bobPage.getByRole("button", { name: "Call back alice" })
            .click();
          await waitForStatus(alicePage, "bob is calling you");
          await alicePage.getByRole("button", { name: "Accept call" }).click();
          await waitForStatus(bobPage, "In call with alice");
          await waitForStatus(alicePage, "In call with bob");
          await bobPage.getByRole("button", { name: "End call" }).click();
          await waitForStatus(alicePage, "bob ended the call");
          // Looked at: the badge is gone on bob's page (its header hides in a call).
          assert.equal(await badge.textContent(), "Call history");
        },
      );

      await t.step(
        "the history has both calls, newest first; Clear history empties it, and alice keeps hers",
        async () => {
          await badge.click();
          const items = bobPage.getByRole("list", { name: "Calls" })
            .getByRole("listitem");
          await items.nth(1).waitFor();
          const lines = await items.allTextContents();
          assert.equal(lines.length, 2, lines.join(" | "));
          assert.match(lines[0], /^Call to alice/);
          assert.match(lines[1], /^Missed call from alice/);
          await bobPage.getByRole("button", { name: "Clear history" }).click();
          await waitForStatus(bobPage, "Your call history is cleared.");
          await bobPage.getByText("No calls in your history.").waitFor();
          await bobPage.reload();
          await bobPage.getByText("No calls in your history.").waitFor();
          await alicePage.getByRole("link", { name: /^Call history/ }).click();
          const aliceItems = alicePage.getByRole("list", { name: "Calls" })
            .getByRole("listitem");
          await aliceItems.nth(1).waitFor();
          const aliceLines = await aliceItems.allTextContents();
          assert.match(aliceLines[0], /^Call from bob/);
          assert.match(aliceLines[1], /^Call to bob, cancelled/);
        },
      );
    } finally {
      for (const context of contexts) await context.close();
      await chromium.close();
      store.close();
      await app.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
