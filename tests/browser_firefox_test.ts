/**
 * Chromium and Firefox ESR call each other on loopback, each way round:
 * video shown and audio received on both sides, the same verification code
 * on both, then hung up from either.
 */
import assert from "node:assert/strict";
import type { Browser as PlaywrightBrowser } from "playwright-core";
import type { Browser as PuppeteerBrowser } from "puppeteer-core";
import { startAppProcess } from "./support/app_process.ts";
import { launchChromium, mediaState, waitForRise } from "./support/browser.ts";
import {
  type CallPage,
  openPage,
  untilFramesShown,
  untilStatus,
  verificationCodeOf,
} from "./support/call_page.ts";
import { CHROMIUM, FIREFOX, needsService } from "./support/environment.ts";
import { launchFirefox } from "./support/firefox.ts";

/** Opens the app as `userId` and joins. */
async function join(
  browser: PlaywrightBrowser | PuppeteerBrowser,
  base: string,
  userId: string,
): Promise<CallPage> {
  const page = await openPage(browser, `${base}/?userId=${userId}`);
  await page.press("Join");
  await untilStatus(page, `Signed in as ${userId}`);
  return page;
}

Deno.test({
  name: "browser: Chromium and Firefox call each other, both ways round",
  ignore: needsService(CHROMIUM, FIREFOX),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await startAppProcess({});
    const chromium = await launchChromium();
    const firefox = await launchFirefox();
    try {
      const ways = [
        { name: "Chromium calls Firefox", from: chromium, to: firefox },
        { name: "Firefox calls Chromium", from: firefox, to: chromium },
      ];
      for (const way of ways) {
        await t.step(way.name, async () => {
          const caller = await join(way.from, app.http, "alice");
          const callee = await join(way.to, app.http, "bob");
          try {
            await caller.press("bob");
            await untilStatus(callee, "alice is calling you");
            await callee.press("Accept call");
            await untilStatus(caller, "In call with bob");
            await untilStatus(callee, "In call with alice");
            for (const page of [caller, callee]) {
              await untilFramesShown(page, 10);
              await waitForRise(page, "audio", "packetsReceived", 10);
            }
            // Firefox has no certificate statistics: it reads the keys from the descriptions.
            assert.equal(
              await verificationCodeOf(caller),
              await verificationCodeOf(callee),
              "both read the same verification code",
            );
            await callee.press("End call");
            await untilStatus(caller, "bob ended the call");
            for (const page of [caller, callee]) {
              const { tracks } = await mediaState(page);
              assert.ok(
                tracks.every((track) => track.endsWith(":ended")),
                `${page.engine}: every device is released (${tracks})`,
              );
            }
          } finally {
            await caller.close();
            await callee.close();
          }
        });
      }
    } finally {
      await chromium.close();
      await firefox.close();
      await app.stop();
    }
  },
});
