/**
 * One page of the app in either engine: Chromium through Playwright or
 * Firefox through puppeteer-core over WebDriver BiDi, driven the same way,
 * by accessible names, and read the same way, through `evaluate`.
 */
import type { Browser as PlaywrightBrowser, Page } from "playwright-core";
import type { Browser as PuppeteerBrowser } from "puppeteer-core";
import { type Evaluates, PROBE, waitForRise } from "./browser.ts";

/** The app in one browser context of its own. */
export interface CallPage extends Evaluates {
  engine: "chromium" | "firefox";
  /** Presses the button with this accessible name. */
  press(name: string): Promise<void>;
  /** Types `value` into the text box with this accessible name. */
  fill(name: string, value: string): Promise<void>;
  /** Loads the page again, in the same context: what it stored stays. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens `url` in a context of its own, with the probe that keeps peer
 * connections, and `before`: a script of the test's own that runs first.
 */
export async function openPage(
  browser: PlaywrightBrowser | PuppeteerBrowser,
  url: string,
  before = "",
): Promise<CallPage> {
  if ("newContext" in browser) {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.addInitScript(before + PROBE);
    await page.goto(url);
    return {
      engine: "chromium",
      evaluate: page.evaluate.bind(page),
      press: (name) =>
        page.getByRole("button", { name, exact: true }).first().click(),
      fill: (name, value) =>
        page.getByRole("textbox", { name, exact: true }).fill(value),
      reload: async () => void await page.reload(),
      close: () => context.close(),
    };
  }
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.evaluateOnNewDocument(before + PROBE);
  await page.goto(url);
  return {
    engine: "firefox",
    evaluate: page.evaluate.bind(page) as unknown as Page["evaluate"],
    press: (name) =>
      page.locator(`::-p-aria([name=${JSON.stringify(name)}][role="button"])`)
        .click(),
    fill: (name, value) =>
      page.locator(`::-p-aria([name=${JSON.stringify(name)}][role="textbox"])`)
        .fill(value),
    reload: async () => void await page.reload(),
    close: () => context.close(),
  };
}

/** Presses Join and waits until the page says it is signed in as `userId`. */
export async function join(page: CallPage, userId: string): Promise<void> {
  await page.press("Join");
  await untilStatus(page, `Signed in as ${userId}`);
}

/** Opens the app at `base` as `userId`, in a context of its own, and joins. */
export async function openJoined(
  browser: PlaywrightBrowser | PuppeteerBrowser,
  base: string,
  userId: string,
): Promise<CallPage> {
  const page = await openPage(browser, `${base}/?userId=${userId}`);
  await join(page, userId);
  return page;
}

/** `callerId` calls `calleeId` by name, who accepts; both pages say they are in the call. */
export async function answeredCall(
  caller: CallPage,
  callerId: string,
  callee: CallPage,
  calleeId: string,
): Promise<void> {
  await caller.press(calleeId);
  await untilStatus(callee, `${callerId} is calling you`);
  await callee.press("Accept call");
  await untilStatus(caller, `In call with ${calleeId}`);
  await untilStatus(callee, `In call with ${callerId}`);
}

/** The page's status line. */
export function statusOf(page: Evaluates): Promise<string> {
  return page.evaluate(() =>
    document.querySelector('[role="status"]')?.textContent ?? ""
  );
}

/**
 * Waits until the status line contains `text` (or is exactly it, with
 * `exactly`); says what it showed instead when it does not.
 */
export async function untilStatus(
  page: Evaluates,
  text: string,
  timeoutMs = 15_000,
  exactly = false,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let shown = "";
  while (Date.now() < deadline) {
    shown = await statusOf(page);
    if (exactly ? shown === text : shown.includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `waiting for the status "${text}", the page shows "${shown}"`,
  );
}

/**
 * How many frames the remote video has shown, counted with
 * `requestVideoFrameCallback` (Firefox's playback quality counters stay at
 * zero for a live stream); the first call starts the count, and the page
 * keeps the times of the latest frames too (`videoBackAt`).
 */
export function framesShown(page: Evaluates): Promise<number> {
  return page.evaluate(() => {
    const video = document.querySelector(
      '[data-testid="remote-video"]',
    ) as
      | (HTMLVideoElement & { __frames?: number; __frameTimes?: number[] })
      | null;
    if (!video) return 0;
    if (video.__frames === undefined) {
      video.__frames = 0;
      const times: number[] = video.__frameTimes = [];
      // A frame that came over RTP says when it was received. A new stream (a renewed
      // connection) first shows a blank frame that did not: once the browser is seen
      // to say, such a frame is not counted.
      let saysReceived = false;
      // A new stream may drop the callback waiting on the old one: each load starts a
      // new chain, and an older chain stops.
      let chain = 0;
      const start = () => {
        const own = ++chain;
        const count = (_: number, frame: VideoFrameCallbackMetadata) => {
          if (own !== chain) return;
          video.requestVideoFrameCallback(count);
          if (frame.receiveTime !== undefined) saysReceived = true;
          else if (saysReceived) return;
          video.__frames!++;
          times.push(performance.timeOrigin + performance.now());
          if (times.length > 1_000) times.splice(0, 500);
        };
        video.requestVideoFrameCallback(count);
      };
      video.addEventListener("loadstart", start);
      start();
    }
    return video.__frames;
  });
}

/**
 * When the remote video came back after a gap that ended after `since`
 * (epoch ms): the time of the fifth frame after the first pause of at least
 * `gapMs` between two frames; null while there is none. Needs `framesShown`
 * to have started the count before the gap.
 */
export function videoBackAt(
  page: Evaluates,
  since: number,
  gapMs = 500,
): Promise<number | null> {
  return page.evaluate(([since, gapMs]) => {
    const times = (document.querySelector('[data-testid="remote-video"]') as
      | { __frameTimes?: number[] }
      | null)?.__frameTimes ?? [];
    for (let i = 1; i + 4 < times.length; i++) {
      if (times[i] > since && times[i] - times[i - 1] >= gapMs) {
        return times[i + 4];
      }
    }
    return null;
  }, [since, gapMs]);
}

/** Waits until the remote video has shown `frames` more frames. */
export async function untilFramesShown(
  page: Evaluates,
  frames: number,
  timeoutMs = 15_000,
): Promise<void> {
  const start = await framesShown(page);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (await framesShown(page) - start >= frames) return;
  }
  throw new Error(
    `the remote video did not show ${frames} frames in ${timeoutMs} ms`,
  );
}

/** Waits until each page has shown 10 frames of the peer's video and received 10 more audio packets. */
export async function untilMediaFlows(...pages: Evaluates[]): Promise<void> {
  for (const page of pages) {
    await untilFramesShown(page, 10);
    await waitForRise(page, "audio", "packetsReceived", 10);
  }
}

/** What the open call details say under `term` ("Connection", "Resolution"…). */
export function callDetail(page: Evaluates, term: string): Promise<string> {
  return page.evaluate((term) => {
    const terms = document.querySelectorAll('[aria-label="Call quality"] dt');
    for (const each of terms) {
      if (each.textContent === term) {
        return each.nextElementSibling?.textContent ?? "";
      }
    }
    return "";
  }, term);
}

/** Opens the call details from **More**, if they are closed. */
export async function openCallDetails(page: Evaluates): Promise<void> {
  await page.evaluate(async () => {
    if (document.querySelector('section[aria-label="Call details"]')) return;
    const more = document.getElementById("call-more");
    if (more?.getAttribute("aria-expanded") !== "true") more?.click();
    // The item's name carries the quality in a word ("Call details (quality good)").
    for (let tries = 0; tries < 50; tries++) {
      const item = [...document.querySelectorAll("button")].find((button) =>
        button.textContent?.startsWith("Call details")
      );
      if (item) return item.click();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
}

/** Opens the call details and waits for the call's verification code. */
export async function verificationCodeOf(
  page: Evaluates,
  timeoutMs = 10_000,
): Promise<string> {
  await openCallDetails(page);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const code = await page.evaluate(() =>
      document.querySelector('[data-testid="verification-code"]')
        ?.textContent ?? ""
    );
    if (/^\d{5} \d{5} \d{5}$/.test(code)) return code;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no verification code in ${timeoutMs} ms`);
}

/** What the page says of the peer's key beside the call: "Verified: …", a warning, or "". */
export function keyStatusOf(page: Evaluates): Promise<string> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[aria-label="Call"] p')]
      .map((p) => p.textContent ?? "")
      .find((text) => /security key/.test(text)) ?? ""
  );
}

/** Opens the call details and waits until they say how the call is connected. */
export async function untilConnectionSays(
  page: CallPage,
  words: string,
  timeoutMs = 10_000,
): Promise<void> {
  await openCallDetails(page);
  const deadline = Date.now() + timeoutMs;
  let shown = "";
  while (Date.now() < deadline) {
    shown = await callDetail(page, "Connection");
    if (shown === words) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the call details say "${shown}", not "${words}"`);
}

/** Presses "Check my connection" and waits for its verdict. */
export async function checkConnection(
  page: CallPage,
  timeoutMs = 15_000,
): Promise<string> {
  // The check sits behind its own disclosure, "Your connection".
  await page.evaluate(() => {
    const check = document.querySelector('[aria-label="Connection check"]');
    const disclosure = check?.closest("details");
    if (disclosure) disclosure.open = true;
  });
  await page.press("Check my connection");
  const deadline = Date.now() + timeoutMs;
  let said = "";
  while (Date.now() < deadline) {
    said = await page.evaluate(() =>
      document.querySelector('[aria-label="Connection check"]')?.textContent ??
        ""
    );
    if (said && !said.startsWith("Checking")) return said;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the connection check did not finish: "${said}"`);
}
