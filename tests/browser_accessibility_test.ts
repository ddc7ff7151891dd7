/**
 * The calling page checked by axe-core (WCAG 2.2 A and AA) in headless
 * Chromium, in both themes and on a phone-sized screen: before joining,
 * idle with the devices open, the connection checked, calling, ringing
 * (the first ring and the next), in a call with its details, chat and
 * More open, and ended. No serious or critical violation may remain, and
 * no control is covered; the incoming call takes focus on every ring; the
 * call's controls fade without input, but not while one has focus, nor
 * for whoever prefers reduced motion.
 */
import assert from "node:assert/strict";
import { FADE_AFTER_MS } from "../lib/page/call/use_idle_fade.ts";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { CHROMIUM, needsService } from "./support/environment.ts";
import { startAppProcess } from "./support/app_process.ts";
import { expectClean, expectUncovered, keyboardGaps } from "./support/axe.ts";
import {
  dial,
  fromMore,
  launchChromium,
  waitForCallState,
  waitForStatus,
} from "./support/browser.ts";

/** No serious or critical axe violation, and no visible control covered, in `state`. */
async function expectSound(page: Page, state: string): Promise<void> {
  await expectClean(page, state);
  await expectUncovered(page, state);
}

/**
 * A page in a context of its own at `viewport`, in the given theme, not
 * signed in; `options` beside (a touch screen, motion preferred over the
 * tests' reduced motion).
 */
async function openPage(
  browser: Browser,
  base: string,
  dark: boolean,
  viewport = { width: 1280, height: 800 },
  options: BrowserContextOptions = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport, ...options });
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
          await caller.getByText("Your connection").click();
          await caller.getByRole("button", { name: "Check my connection" })
            .click();
          await caller.waitForFunction(() =>
            /^(?!Checking).+/.test(
              document.querySelector('[aria-label="Connection check"]')
                ?.textContent ?? "",
            )
          );
          await expectSound(caller, "idle, the connection checked");
          await dial(caller, `ben${tag}`);
          await waitForCallState(callee, "ringing");
          await expectSound(caller, "calling");
          await expectSound(callee, "ringing");
          await callee.getByRole("button", { name: /accept call/i }).click();
          await waitForStatus(caller, `In call with ben${tag}`);
          await fromMore(caller, /call details/i);
          await caller.getByText("Verification code").waitFor();
          await fromMore(caller, /^chat/i);
          await caller.getByRole("textbox", { name: /chat message/i }).fill(
            "hello",
          );
          await caller.keyboard.press("Enter");
          await callee.getByText("hello").waitFor();
          await expectSound(caller, "in a call, details and chat open");
          await caller.getByRole("button", { name: "More" }).click();
          await caller.getByRole("button", { name: /record/i }).waitFor();
          await expectSound(caller, "in a call, More open");
          // Escape closes More, focus back on its button.
          await caller.keyboard.press("Escape");
          await caller.getByRole("button", { name: /record/i }).waitFor({
            state: "detached",
          });
          if (!screen.dark) {
            // Keyboard only: every control by Tab, each showing its focus;
            // Escape closes the call details, focus back on More, whose
            // menu opens them.
            const gaps = await keyboardGaps(caller);
            assert.deepEqual(gaps, { unreached: [], unringed: [] });
            await caller.getByRole("button", { name: /mark as verified/i })
              .focus();
            await caller.keyboard.press("Escape");
            await caller.getByText("Verification code").waitFor({
              state: "detached",
            });
            assert.ok(
              await caller.getByRole("button", { name: "More" }).evaluate((
                button,
              ) => button === document.activeElement),
              "focus is back on More",
            );
            await caller.keyboard.press("Enter");
            const details = caller.getByRole("button", {
              name: /call details/i,
            });
            assert.equal(await details.getAttribute("aria-expanded"), "false");
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
            await expectSound(callee, `ringing, the ${ring} ring`);
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

      await t.step(
        "the controls fade without input, come back on a touch that presses nothing, stay while one has focus, and stay for reduced motion",
        async () => {
          const caller = await openPage(
            browser!,
            app.http,
            false,
            undefined,
            { reducedMotion: "no-preference", hasTouch: true },
          );
          const callee = await openPage(browser!, app.http, false);
          await signIn(caller, "eve");
          await signIn(callee, "fay");
          await dial(caller, "fay");
          await callee.getByRole("button", { name: /accept call/i }).click();
          await waitForStatus(caller, "In call with fay");
          const shown = (page: Page) =>
            page.evaluate(() =>
              document.querySelector('[aria-label="End call"]')!
                .checkVisibility({ opacityProperty: true })
            );
          await caller.evaluate(() =>
            (document.activeElement as HTMLElement | null)?.blur()
          );
          await caller.waitForFunction(
            () =>
              !document.querySelector('[aria-label="End call"]')!
                .checkVisibility({ opacityProperty: true }),
            null,
            { timeout: FADE_AFTER_MS + 3_000 },
          );
          // A tap where End call was brings the controls back and ends nothing.
          const end = (await caller.getByRole("button", { name: "End call" })
            .boundingBox())!;
          await caller.touchscreen.tap(
            end.x + end.width / 2,
            end.y + end.height / 2,
          );
          await caller.waitForFunction(() =>
            document.querySelector('[aria-label="End call"]')!
              .checkVisibility({ opacityProperty: true })
          );
          assert.equal(
            await caller.getAttribute("[data-call-state]", "data-call-state"),
            "active",
          );
          // Focus on a control keeps them, however long.
          await caller.getByRole("button", { name: "Mute" }).focus();
          await new Promise((resolve) =>
            setTimeout(resolve, FADE_AFTER_MS + 1_000)
          );
          assert.equal(await shown(caller), true, "kept while focused");
          // fay prefers reduced motion, and has not touched her page since Accept.
          assert.equal(await shown(callee), true, "kept for reduced motion");
          await caller.getByRole("button", { name: "End call" }).click();
          await waitForCallState(callee, "ended");
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
