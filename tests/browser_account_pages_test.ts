/**
 * The account pages in headless Chromium, each with something on it: the
 * sign-in page, an invite's page, contacts (a contact, a request, a block),
 * the call history (a declined and a missed call), and settings (passkeys,
 * signed-in browsers, ringing when closed, call links, an invite link), and
 * a call link's page for its guest, working and revoked. In the light and
 * dark themes (the one chosen on the calling page, which every page follows)
 * and on a phone-sized screen: no serious or critical axe violation, and no
 * visible control covered by anything else; every control reached by Tab,
 * showing its focus. **Copy** puts the invite link on
 * the clipboard.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { secretHash } from "../lib/accounts/session_cookie.ts";
import { act, befriend, joinAs, person } from "./support/accounts.ts";
import { expectClean, expectUncovered, keyboardGaps } from "./support/axe.ts";
import { holdSession, launchChromium } from "./support/browser.ts";
import { CHROMIUM, needsService } from "./support/environment.ts";
import { startPushApp } from "./support/push_app.ts";
import { startPushService } from "./support/push_service.ts";
import { anInvite } from "./support/store_contract.ts";
import { makeLink } from "./support/call_link_guest.ts";

/** A context of its own at `viewport`, in the given theme, holding `cookie` if given. */
async function openContext(
  browser: Browser,
  http: string,
  dark: boolean,
  viewport: { width: number; height: number },
  cookie?: string,
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  await context.addInitScript(
    `localStorage.setItem("nexus-call.theme", "${dark ? "dark" : "light"}")`,
  );
  if (cookie) await holdSession(context, http, cookie);
  return context;
}

/** Opens `path` and waits until `ready` shows and the page shows its theme. */
async function visit(
  context: BrowserContext,
  url: string,
  ready: (page: Page) => ReturnType<Page["getByRole"]>,
  dark: boolean,
): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(url);
  await ready(page).first().waitFor();
  await page.waitForFunction(
    (dark) => document.documentElement.classList.contains("dark") === dark,
    dark,
  );
  return page;
}

Deno.test({
  name:
    "browser: the account pages have no serious or critical axe violation and no covered control, in either theme and on a phone; Copy copies the invite link",
  ignore: needsService(CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    // The push service stand-in only so that Settings shows its ringing section.
    const service = await startPushService();
    const { app, store, close } = await startPushApp(service, {
      NEXUS_ACCOUNTS_INVITES: "everyone",
      NEXUS_RING_TIMEOUT_MS: "1000",
    });
    let browser: Browser | undefined;
    try {
      const [alice, bob, carol, dave] = await Promise.all(
        ["alice", "bob", "carol", "dave"].map((name) => person(store, name)),
      );
      await befriend(app, alice, bob);
      await act(app, carol, "contacts/add", { userId: alice.userId });
      await act(app, alice, "blocks/add", { userId: dave.userId });
      // Two calls for the history: one declined, one missed.
      const [aliceSocket, bobSocket] = await Promise.all([
        joinAs(app, alice),
        joinAs(app, bob),
      ]);
      for (const declined of [true, false]) {
        bobSocket.send("call:request", {
          to: alice.userId,
          hasVideo: true,
          hasAudio: true,
        });
        await aliceSocket.find("call:request");
        if (declined) {
          aliceSocket.send("call:response", {
            to: bob.userId,
            accepted: false,
          });
        }
        await bobSocket.find(declined ? "call:response" : "call:end");
      }
      await Promise.all([aliceSocket.close(), bobSocket.close()]);
      const code = "invite-code-for-the-accessibility-test-0123456789";
      await store.createInvite(anInvite(secretHash(code)));
      // A call link on Settings' list, its guest's page, and a revoked one's.
      const [callLink, revoked] = await Promise.all(
        ["Grandma", "Plumber"].map((label) =>
          makeLink(app, alice, { label, once: label === "Plumber" })
        ),
      );
      await act(app, alice, "links/revoke", { id: revoked.id });

      browser = await launchChromium();
      const screens = [
        { name: "light", dark: false, viewport: { width: 1280, height: 800 } },
        { name: "dark", dark: true, viewport: { width: 1280, height: 800 } },
        {
          name: "dark, 390×844",
          dark: true,
          viewport: { width: 390, height: 844 },
        },
      ];
      for (const screen of screens) {
        await t.step(`every account page, ${screen.name}`, async () => {
          const stranger = await openContext(
            browser!,
            app.http,
            screen.dark,
            screen.viewport,
          );
          const signedIn = await openContext(
            browser!,
            app.http,
            screen.dark,
            screen.viewport,
            alice.cookie,
          );
          await signedIn.grantPermissions(
            ["clipboard-read", "clipboard-write"],
            {
              origin: app.http,
            },
          );
          try {
            const pages: [string, Page][] = [
              [
                "sign-in",
                await visit(
                  stranger,
                  `${app.http}/signin`,
                  (page) =>
                    page.getByRole("button", {
                      name: "Sign in with a passkey",
                    }),
                  screen.dark,
                ),
              ],
              [
                "an invite",
                await visit(
                  stranger,
                  `${app.http}/signin?invite=${code}`,
                  (page) =>
                    page.getByRole("button", { name: "Create passkey" }),
                  screen.dark,
                ),
              ],
              [
                "contacts",
                await visit(
                  signedIn,
                  `${app.http}/contacts`,
                  (page) =>
                    page.getByRole("button", {
                      name: `Accept ${carol.userId}`,
                    }),
                  screen.dark,
                ),
              ],
              [
                "history",
                await visit(
                  signedIn,
                  `${app.http}/history`,
                  (page) =>
                    page.getByRole("button", {
                      name: `Call back ${bob.userId}`,
                    }),
                  screen.dark,
                ),
              ],
              [
                "a call link",
                await visit(
                  stranger,
                  `${app.http}/call/${callLink.secret}`,
                  (page) => page.getByRole("textbox", { name: "Your name" }),
                  screen.dark,
                ),
              ],
              [
                "a revoked call link",
                await visit(
                  stranger,
                  `${app.http}/call/${revoked.secret}`,
                  (page) => page.getByRole("alert"),
                  screen.dark,
                ),
              ],
              [
                "settings",
                await visit(
                  signedIn,
                  `${app.http}/settings`,
                  (page) =>
                    page.getByRole("checkbox", {
                      name: "Ring this browser when Nexus Call is closed",
                    }),
                  screen.dark,
                ),
              ],
            ];
            for (const [name, page] of pages) {
              await expectClean(page, name);
              await expectUncovered(page, name);
              if (!screen.dark) {
                // Keyboard only: every control by Tab, each showing its focus.
                assert.deepEqual(await keyboardGaps(page), {
                  unreached: [],
                  unringed: [],
                }, name);
              }
            }
            const settings = pages[6][1];
            await settings.getByRole("button", {
              name: "Create an invite link",
            })
              .click();
            const link = settings.getByRole("textbox", { name: /Invite link/ });
            await link.waitFor();
            await settings.getByRole("button", { name: /^Copy Invite link/ })
              .click();
            await settings.getByRole("status").filter({ hasText: "Copied." })
              .waitFor();
            assert.equal(
              await settings.evaluate(() => navigator.clipboard.readText()),
              await link.inputValue(),
            );
            assert.match(await link.inputValue(), /\/signin\?invite=/);
            await expectClean(settings, "settings, an invite link made");
            await expectUncovered(settings, "settings, an invite link made");
          } finally {
            await stranger.close();
            await signedIn.close();
          }
        });
      }
    } finally {
      await browser?.close();
      await close();
      await service.close();
    }
  },
});
