/**
 * Chromium and Firefox ESR call each other on loopback, each way round:
 * video shown and audio received on both sides, the same verification code
 * on both, then hung up from either.
 */
import assert from "node:assert/strict";
import { startAppProcess } from "./support/app_process.ts";
import { launchChromium, mediaState } from "./support/browser.ts";
import {
  answeredCall,
  openJoined,
  untilMediaFlows,
  untilStatus,
  verificationCodeOf,
} from "./support/call_page.ts";
import { CHROMIUM, FIREFOX, needsService } from "./support/environment.ts";
import { launchFirefox } from "./support/firefox.ts";

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
          const caller = await openJoined(way.from, app.http, "alice");
          const callee = await openJoined(way.to, app.http, "bob");
          try {
            await answeredCall(caller, "alice", callee, "bob");
            await untilMediaFlows(caller, callee);
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
