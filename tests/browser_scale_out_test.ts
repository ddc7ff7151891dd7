/**
 * A real video call between two pages served by two instances that share
 * one real Redis: nothing ties the two users to the same process.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { CHROMIUM, needsService, REDIS } from "./support/environment.ts";
import {
  type AppProcess,
  startAppProcess,
  untilReady,
} from "./support/app_process.ts";
import { startRedis } from "./support/redis.ts";
import {
  dial,
  launchChromium,
  openAs,
  waitForRise,
  waitForStatus,
} from "./support/browser.ts";

Deno.test({
  name: "browser: two pages on two instances complete a real video call",
  ignore: needsService(CHROMIUM, REDIS),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await startRedis();
    let instances: AppProcess[] = [];
    let browser: Browser | undefined;
    try {
      instances = await Promise.all(
        [1, 2].map(() => startAppProcess({ NEXUS_REDIS_URL: redis.url })),
      );
      assert.notEqual(instances[0].port, instances[1].port);
      await untilReady(instances);
      browser = await launchChromium();
      const alice = await openAs(browser, instances[0].http, "alice");
      const bob = await openAs(browser, instances[1].http, "bob");

      // bob's online list, served by the second instance, has alice from the first.
      await bob.getByRole("button", { name: "alice", exact: true }).waitFor();
      await dial(alice, "bob");
      await bob.getByText("Incoming video call from alice").waitFor();
      await bob.getByRole("button", { name: /accept/i }).click();
      for (const [page, peer] of [[alice, "bob"], [bob, "alice"]] as const) {
        await waitForStatus(page, `In call with ${peer}`);
      }
      for (const page of [alice, bob]) {
        await waitForRise(page, "video", "framesDecoded", 10);
        await waitForRise(page, "audio", "packetsReceived", 10);
      }
      await bob.getByRole("button", { name: /end call/i }).click();
      await waitForStatus(alice, "bob ended the call.");
    } finally {
      await browser?.close();
      await Promise.all(instances.map((instance) => instance.stop()));
      await redis.stop();
    }
  },
});
