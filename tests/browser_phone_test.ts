/**
 * Calls that behave like a phone, in headless Chromium against the app run
 * as users run it (`main.ts` in its own process), driven by accessible names.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, needsService } from "./support/environment.ts";
import { startAppProcess } from "./support/app_process.ts";
import { freePort } from "./support/process.ts";
import {
  dial,
  launchChromium,
  mediaState,
  openAs,
  riseOver,
  waitForCallState,
  waitForRise,
  waitForStatus,
} from "./support/browser.ts";

const RING_TIMEOUT_MS = 2_000;

/**
 * Presses the button named `name` on every page at the same moment: each page
 * clicks it itself at one agreed time. Two separate clicks from here can land
 * a hundred milliseconds apart, long enough for one call to reach the other
 * page first, and a click can then hit the incoming-call screen that replaced
 * the button.
 */
async function pressTogether(pages: Page[], name: string): Promise<void> {
  await Promise.all(
    pages.map((page) => page.getByRole("button", { name }).waitFor()),
  );
  const at = Date.now() + 300;
  await Promise.all(
    pages.map((page) =>
      page.evaluate(({ name, at }) =>
        new Promise<void>((resolve, reject) => {
          setTimeout(() => {
            const button = [...document.querySelectorAll("button")].find((b) =>
              b.textContent?.trim() === name
            );
            if (!button) return reject(new Error(`no button ${name}`));
            button.click();
            resolve();
          }, at - Date.now());
        }), { name, at })
    ),
  );
}

/** Peer connections the page still has open. */
async function openConnections(page: Page): Promise<number> {
  return (await mediaState(page)).connections.filter((state) =>
    state !== "closed"
  ).length;
}

Deno.test({
  name: "browser: calls that behave like a phone, in a real browser",
  ignore: needsService(CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const env = {
      PORT: String(freePort()),
      NEXUS_RING_TIMEOUT_MS: String(RING_TIMEOUT_MS),
    };
    let app = await startAppProcess(env);
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const alice = await openAs(browser, app.http, "alice");
      const bob = await openAs(browser, app.http, "bob");

      await t.step(
        "an unanswered call stops ringing on both sides",
        async () => {
          await dial(alice, "bob");
          await bob.getByRole("button", { name: /accept/i }).waitFor();
          await waitForStatus(alice, "bob did not answer.");
          await waitForStatus(bob, "Missed call from alice.");
          await waitForCallState(alice, "idle");
          await waitForCallState(bob, "idle");
        },
      );

      await t.step(
        "a caller who hangs up while ringing stops the callee's ringing",
        async () => {
          await dial(alice, "bob");
          await bob.getByRole("button", { name: /accept/i }).waitFor();
          await alice.getByRole("button", { name: /end call/i }).click();
          await waitForStatus(bob, "Missed call from alice: they hung up.");
          assert.equal(
            await bob.getByRole("button", { name: /accept/i }).count(),
            0,
          );
          await waitForCallState(bob, "idle");
          await waitForCallState(alice, "idle");
        },
      );

      await t.step(
        "calling someone in a call answers busy, and their call goes on",
        async () => {
          const carol = await openAs(browser!, app.http, "carol");
          await dial(alice, "bob");
          await bob.getByRole("button", { name: /accept/i }).click();
          await waitForStatus(alice, "In call with bob");
          await dial(carol, "bob");
          await waitForStatus(carol, "bob is busy in another call.");
          await waitForRise(bob, "video", "framesDecoded", 5);
          assert.equal(
            await bob.getByRole("button", { name: /accept/i }).count(),
            0,
          );
          await alice.getByRole("button", { name: /end call/i }).click();
          await waitForCallState(bob, "idle");
          await carol.context().close();
        },
      );

      await t.step(
        "glare, 8 times: both press call at once, one call results, the same on both sides",
        async () => {
          // Two pairs who have not called before take turns, so that nobody places calls
          // faster than the ring-spam limit (counted per user) allows.
          const carol = await openAs(browser!, app.http, "carol-glare");
          const dave = await openAs(browser!, app.http, "dave-glare");
          const erin = await openAs(browser!, app.http, "erin-glare");
          const frank = await openAs(browser!, app.http, "frank-glare");
          for (let round = 0; round < 8; round++) {
            const [low, high, lowId, highId] = round % 2
              ? [carol, dave, "carol-glare", "dave-glare"]
              : [erin, frank, "erin-glare", "frank-glare"];
            await low.getByRole("textbox", { name: /user to call/i }).fill(
              highId,
            );
            await high.getByRole("textbox", { name: /user to call/i }).fill(
              lowId,
            );
            await pressTogether([low, high], "Video call");
            await waitForStatus(low, `In call with ${highId}`);
            await waitForStatus(high, `In call with ${lowId}`);
            assert.equal(
              await openConnections(low),
              1,
              `round ${round}: ${lowId} has one call`,
            );
            assert.equal(
              await openConnections(high),
              1,
              `round ${round}: ${highId} has one call`,
            );
            await waitForRise(low, "video", "framesDecoded", 3);
            await (round % 4 < 2 ? low : high).getByRole("button", {
              name: /end call/i,
            }).click();
            await waitForCallState(low, "idle");
            await waitForCallState(high, "idle");
          }
          await carol.context().close();
          await dave.context().close();
          await erin.context().close();
          await frank.context().close();
        },
      );

      await t.step(
        "two tabs of one user: both ring, the first to accept wins, the other stops",
        async () => {
          const bob2 = await openAs(browser!, app.http, "bob");
          await dial(alice, "bob");
          await bob.getByRole("button", { name: /accept/i }).waitFor();
          await bob2.getByRole("button", { name: /accept/i }).click();
          await waitForStatus(bob, "answered on another device");
          await waitForStatus(alice, "In call with bob");
          await waitForRise(bob2, "video", "framesDecoded", 5);
          await waitForCallState(bob, "idle");
          await alice.getByRole("button", { name: /end call/i }).click();
          await waitForCallState(bob2, "idle");
          await bob2.context().close();
        },
      );

      await t.step(
        "the server is killed mid-call: media goes on, the clients come back and can hang up",
        async () => {
          await dial(alice, "bob");
          await bob.getByRole("button", { name: /accept/i }).click();
          await waitForStatus(alice, "In call with bob");
          await waitForRise(bob, "video", "framesDecoded", 5);
          await app.kill();
          await waitForStatus(alice, "reconnecting to the server");
          assert.ok(
            await riseOver(bob, "video", "framesDecoded", 1_500, 0) > 0,
            "video still decodes with no server",
          );
          assert.ok(
            await riseOver(alice, "video", "framesDecoded", 1_500, 0) > 0,
          );
          app = await startAppProcess(env);
          await waitForStatus(alice, /^In call with bob$/, 20_000);
          await waitForStatus(bob, /^In call with alice$/, 20_000);
          await alice.getByRole("button", { name: /end call/i }).click();
          await waitForStatus(bob, "alice ended the call.");
          await waitForCallState(alice, "idle");
          await waitForCallState(bob, "idle");
        },
      );
    } finally {
      await browser?.close();
      await app.stop();
    }
  },
});
