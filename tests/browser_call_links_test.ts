/**
 * Call links in real browsers, accounts mode: the owner makes a link in
 * Settings; a browser with no account opens it, sees its camera, types a
 * name and calls; the owner's page rings with the guest's name and the
 * link's, and video flows both ways once accepted. Revoked from Settings
 * mid-call, the guest is cut off in words and the link's page says it was
 * revoked. A Firefox guest's call through a link connects too.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { LINK_REFUSALS } from "../lib/wire/link_api.ts";
import { person } from "./support/accounts.ts";
import { startAccountsApp } from "./support/accounts_app.ts";
import {
  holdSession,
  launchChromium,
  PROBE,
  waitForStatus,
} from "./support/browser.ts";
import {
  type CallPage,
  openPage,
  untilMediaFlows,
  untilStatus,
} from "./support/call_page.ts";
import { CHROMIUM, FIREFOX, needsService } from "./support/environment.ts";
import { launchFirefox } from "./support/firefox.ts";

/** Makes a link in Settings for `label`; the link Settings shows once. */
async function makeLinkIn(settings: Page, label: string): Promise<string> {
  await settings.getByRole("textbox", { name: "Who it is for" }).fill(label);
  await settings.getByRole("button", { name: "Make link" }).click();
  const shown = settings.getByRole("textbox", { name: "New call link" });
  await settings.waitForFunction(
    (label) => document.body.innerText.includes(`${label}, works until`),
    label,
  );
  return await shown.inputValue();
}

/** Whether the guest's page previews their camera. */
function previewing(guest: CallPage): Promise<boolean> {
  return guest.evaluate(() => {
    const video = document.querySelector(
      '[data-testid="preview-video"]',
    ) as HTMLVideoElement | null;
    const stream = video?.srcObject as MediaStream | null;
    return stream?.getVideoTracks()[0]?.readyState === "live";
  });
}

/** The guest sees their camera, types `name` on the link's page and calls `owner`. */
async function callAsGuest(guest: CallPage, name: string, owner: string) {
  await untilStatus(guest, `Type your name, then press Call ${owner}.`);
  const deadline = Date.now() + 10_000;
  while (!await previewing(guest)) {
    assert.ok(Date.now() < deadline, "the camera preview did not start");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await guest.fill("Your name", name);
  await guest.press(`Call ${owner}`);
}

Deno.test({
  name:
    "browser: a call link made in Settings rings its owner from a browser with no account, video both ways; revoked mid-call, the guest is told; a Firefox guest connects",
  ignore: needsService(CHROMIUM, FIREFOX),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const { app, store, close } = await startAccountsApp();
    let chromium: Browser | undefined;
    let firefox: Awaited<ReturnType<typeof launchFirefox>> | undefined;
    try {
      chromium = await launchChromium();
      firefox = await launchFirefox();
      const alice = await person(store, "alice");
      const own = await chromium.newContext();
      await holdSession(own, app.http, alice.cookie);
      const settings = await own.newPage();
      await settings.goto(`${app.http}/settings`);
      const phone = await own.newPage();
      await phone.addInitScript(PROBE);
      await phone.goto(app.http);
      await waitForStatus(phone, `Signed in as ${alice.userId}`);

      await t.step(
        "a Chromium guest calls; the owner sees their name, accepts; video both ways; revoked, the guest is told",
        async () => {
          const url = await makeLinkIn(settings, "Grandma");
          assert.match(url, /\/call\/[\w-]{24}$/);
          const guest = await openPage(chromium!, url);
          try {
            await callAsGuest(guest, "Gran", alice.userId);
            await waitForStatus(
              phone,
              'Gran (guest, via your link "Grandma") is calling you',
            );
            await phone.getByRole("button", { name: "Accept call" }).click();
            await untilStatus(guest, `In call with ${alice.userId}`);
            await waitForStatus(phone, "In call with Gran (guest");
            await untilMediaFlows(guest, phone);
            await settings.getByRole("button", { name: "Revoke link Grandma" })
              .click();
            await untilStatus(guest, LINK_REFUSALS.revoked);
            await waitForStatus(phone, "The call link was revoked");
            await guest.reload();
            assert.equal(
              await guest.evaluate(() =>
                document.querySelector('[role="alert"]')?.textContent
              ),
              LINK_REFUSALS.revoked,
            );
          } finally {
            await guest.close();
          }
        },
      );

      await t.step(
        "a Firefox guest's call through a link connects",
        async () => {
          const url = await makeLinkIn(settings, "Plumber");
          const guest = await openPage(firefox!, url);
          try {
            await callAsGuest(guest, "Joe", alice.userId);
            await waitForStatus(
              phone,
              'Joe (guest, via your link "Plumber") is calling you',
            );
            await phone.getByRole("button", { name: "Accept call" }).click();
            await untilStatus(guest, `In call with ${alice.userId}`);
            await untilMediaFlows(guest, phone);
            await phone.getByRole("button", { name: "End call" }).click();
            await untilStatus(guest, `${alice.userId} ended the call`);
          } finally {
            await guest.close();
          }
        },
      );
    } finally {
      await chromium?.close();
      await firefox?.close();
      await close();
    }
  },
});
