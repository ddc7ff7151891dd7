/**
 * The calling page checked by axe-core (WCAG 2.2 A and AA) in headless
 * Chromium, in both themes and on a phone-sized screen: before joining,
 * idle with the devices open, calling, ringing, in a call with its details
 * and chat open, and ended. No serious or critical violation may remain;
 * and the incoming call takes focus on every ring, not only the first.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, needsService } from "./support/environment.ts";
import { startAppProcess } from "./support/app_process.ts";
import { expectClean, expectUncovered, keyboardGaps } from "./support/axe.ts";
import {
  dial,
  launchChromium,
  waitForCallState,
  waitForStatus,
} from "./support/browser.ts";

/** A page in a context of its own at `viewport`, in the given theme, not signed in. */
/** No serious or critical axe violation, and no visible control covered, in `state`. */
async function expectSound(page: Page, state: string): Promise<void> {
  await expectClean(page, state);
  await expectUncovered(page, state);
}

async function openPage(
  browser: Browser,
  base: string,
  dark: boolean,
  viewport = { width: 1280, height: 800 },
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  await context.addInitScript(
    `localStorage.setItem("nexus-call.theme", "${dark ? "dark" : "light"}")`,
  );
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(base);
  await page.getByRole("button", { name: /join/i }).and(
    page.locator(":enabled"),
  ).waitFor();
  return page;
}

async function signIn(page: Page, userId: string): Promise<void> {
  await page.getByRole("textbox", { name: /your id/i }).fill(userId);
  await page.getByRole("button", { name: /join/i }).click();
  await waitForStatus(page, `Signed in as ${userId}`);
}

Deno.test({
  name:
    "browser: the calling page has no serious or critical axe violation in any state, either theme, on a phone, and a ring takes focus every time",
  ignore: needsService(CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await startAppProcess({});
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const screens = [
        { name: "light", dark: false, viewport: undefined },
        { name: "dark", dark: true, viewport: undefined },
        {
          name: "dark, 390×844",
          dark: true,
          viewport: { width: 390, height: 844 },
        },
      ];
      for (const screen of screens) {
        await t.step(`every state, ${screen.name}`, async () => {
          const tag = screen.name.replace(/\W+/g, "");
          const caller = await openPage(
            browser!,
            app.http,
            screen.dark,
            screen.viewport,
          );
          const callee = await openPage(
            browser!,
            app.http,
            screen.dark,
            screen.viewport,
          );
          await caller.getByRole("textbox", { name: /your id/i }).fill(
            "someone",
          );
          await expectSound(caller, "before joining, an id typed");
          await signIn(caller, `ann${tag}`);
          await signIn(callee, `ben${tag}`);
          await caller.getByRole("textbox", { name: /user to call/i }).fill(
            `ben${tag}`,
          );
          await caller.getByText("Camera, microphone and speaker").click();
          await caller.getByRole("combobox").first().waitFor();
          await expectSound(caller, "idle, an id typed, devices open");
          await dial(caller, `ben${tag}`);
          await waitForCallState(callee, "ringing");
          await expectSound(caller, "calling");
          await expectSound(callee, "ringing");
          await callee.getByRole("button", { name: /accept call/i }).click();
          await waitForStatus(caller, `In call with ben${tag}`);
          await caller.getByRole("button", { name: /call details/i }).click();
          await caller.getByText("Verification code").waitFor();
          await caller.getByRole("textbox", { name: /chat message/i }).fill(
            "hello",
          );
          await caller.keyboard.press("Enter");
          await callee.getByText("hello").waitFor();
          await expectSound(caller, "in a call, details and chat open");
          if (!screen.dark) {
            // Keyboard only: every control by Tab, each showing its focus;
            // Escape closes the call details, focus back on their button.
            const gaps = await keyboardGaps(caller);
            assert.deepEqual(gaps, { unreached: [], unringed: [] });
            const details = caller.getByRole("button", {
              name: /call details/i,
            });
            await caller.getByRole("button", { name: /mark as verified/i })
              .focus();
            await caller.keyboard.press("Escape");
            await caller.getByText("Verification code").waitFor({
              state: "detached",
            });
            assert.equal(
              await details.getAttribute("aria-expanded"),
              "false",
            );
            assert.ok(
              await details.evaluate((button) =>
                button === document.activeElement
              ),
              "focus is back on Call details",
            );
            await details.click();
          }
          await expectSound(callee, "in a call, a chat message in");
          await caller.getByRole("button", { name: /end call/i }).click();
          await waitForCallState(caller, "ended");
          await expectSound(caller, "ended");
          await caller.context().close();
          await callee.context().close();
        });
      }

      await t.step(
        "the incoming call takes focus on the first ring and on the next",
        async () => {
          const caller = await openPage(browser!, app.http, false);
          const callee = await openPage(browser!, app.http, false);
          await signIn(caller, "cara");
          await signIn(callee, "dan");
          for (const ring of ["first", "second"]) {
            await dial(caller, "dan");
            await waitForCallState(callee, "ringing");
            await callee.waitForFunction(() =>
              document.activeElement?.textContent?.trim() === "Accept call"
            ).catch(() => {});
            assert.equal(
              await callee.evaluate(() =>
                document.activeElement?.textContent?.trim()
              ),
              "Accept call",
              `the ${ring} ring has focus on Accept call`,
            );
            await callee.getByRole("button", { name: /decline call/i })
              .click();
            await waitForCallState(caller, "ended");
            await waitForCallState(caller, "idle");
          }
          await caller.context().close();
          await callee.context().close();
        },
      );
    } finally {
      await browser?.close();
      await app.stop();
    }
  },
});
