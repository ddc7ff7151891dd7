/**
 * Headless Chromium for the UI tests: fake camera and microphone, one browser
 * context per user, and a probe that records each page's peer connections
 * and media streams so tests can read `getStats` and track states.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import assert from "node:assert/strict";
import { CHROMIUM } from "./environment.ts";

/** The flags every browser test launches Chromium with. */
export const CHROMIUM_FLAGS = [
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
];

/**
 * Makes each new context of `browser` prefer reduced motion unless told
 * otherwise, as some people's do: the call's controls then stay rather
 * than fade after 3 s without input, so a test presses them at its own
 * pace; the fade itself is tested in a context that prefers motion.
 * (Playwright emulates "no-preference" by default, over any flag.)
 */
function preferReducedMotion(browser: Browser): Browser {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = (options) =>
    newContext({ reducedMotion: "reduce", ...options });
  browser.newPage = async (options) =>
    await (await browser.newContext(options)).newPage();
  return browser;
}

/** Launches Debian's Chromium, headless. */
export async function launchChromium(): Promise<Browser> {
  // Loaded here, not at import: playwright-core reads the environment as it loads, which a bare
  // `deno test` (no permissions) does not allow, and the tests that need it are ignored there.
  const { chromium } = await import("playwright-core");
  return preferReducedMotion(
    await chromium.launch({
      executablePath: CHROMIUM.path,
      args: CHROMIUM_FLAGS,
    }),
  );
}

/**
 * Launches Debian's Chromium inside a network namespace of the lab, through
 * a wrapper that `exec`s it there; it trusts the lab's test certificates.
 */
export async function launchChromiumIn(namespace: string): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  const wrapper = await Deno.makeTempFile({ prefix: "nexus-chromium-" });
  await Deno.writeTextFile(
    wrapper,
    `#!/bin/sh\nexec ip netns exec ${namespace} ${CHROMIUM.path} "$@"\n`,
  );
  await Deno.chmod(wrapper, 0o755);
  const browser = await chromium.launch({
    executablePath: wrapper,
    args: [...CHROMIUM_FLAGS, "--ignore-certificate-errors"],
  });
  browser.on("disconnected", () => Deno.remove(wrapper).catch(() => {}));
  return preferReducedMotion(browser);
}

/** Presses the item `name` of the call's **More** menu (a panel, Record…). */
export async function fromMore(page: Page, name: RegExp): Promise<void> {
  await page.getByRole("button", { name: "More" }).click();
  await page.getByRole("button", { name }).click();
}

/** Whatever runs a function in a page: a Playwright page, or a `CallPage` of either engine. */
export type Evaluates = Pick<Page, "evaluate">;

/** Runs in the page before the app: keeps every peer connection and stream it makes. */
export const PROBE = `
  window.__peerConnections = [];
  window.__streams = [];
  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeerConnection {
    constructor(...args) { super(...args); window.__peerConnections.push(this); }
  };
  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    window.__streams.push(stream);
    return stream;
  };
`;

/** A page of its own (its own browser context, so its own device), with the probe, at `url`. */
async function userPage(
  browser: Browser,
  url: string,
  before = "",
): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(15_000);
  await page.addInitScript(before + PROBE);
  await page.goto(url);
  return page;
}

/** Opens the app in a context of its own and signs in as `userId`; `before` runs in the page first. */
export async function openAs(
  browser: Browser,
  baseUrl: string,
  userId: string,
  before = "",
): Promise<Page> {
  const page = await userPage(browser, baseUrl, before);
  await page.getByRole("textbox", { name: /your id/i }).fill(userId);
  await page.getByRole("button", { name: /join/i }).click();
  await waitForStatus(page, `Signed in as ${userId}`);
  return page;
}

/** Opens a sign-in link (token mode) in a context of its own and waits until signed in. */
export async function openLink(
  browser: Browser,
  link: string,
  userId: string,
): Promise<Page> {
  const page = await userPage(browser, link);
  await waitForStatus(page, `Signed in as ${userId}`);
  assert(
    await page.getByRole("textbox", { name: /your id/i }).count() === 0,
    "token mode hides the id box",
  );
  return page;
}

/** Types whom to call and presses the call button (video unless `kind` says otherwise). */
export async function dial(
  page: Page,
  calleeId: string,
  kind: RegExp = /video call/i,
): Promise<void> {
  await page.getByRole("textbox", { name: /user to call/i }).fill(calleeId);
  await page.getByRole("button", { name: kind }).click();
}

/** The selected candidate pair of the page's newest peer connection, as `getStats` reports it. */
export interface SelectedPath {
  /** Candidate types: host, srflx, prflx or relay. */
  local: string;
  remote: string;
  /** The transport of the local candidate: udp or tcp. */
  protocol: string;
  /** How the local relay candidate reaches the relay: udp, tcp or tls. */
  relayProtocol?: string;
}

/** The page's selected path, or `null` before one is selected. */
export function selectedPath(page: Evaluates): Promise<SelectedPath | null> {
  return page.evaluate(async () => {
    const pc = (window as unknown as { __peerConnections: RTCPeerConnection[] })
      .__peerConnections.at(-1);
    if (!pc) return null;
    const stats = await pc.getStats();
    let pair:
      | { localCandidateId: string; remoteCandidateId: string }
      | undefined;
    stats.forEach((report) => {
      if (report.type === "transport" && report.selectedCandidatePairId) {
        pair = stats.get(report.selectedCandidatePairId);
      }
    });
    // Firefox has no transport stats: it marks the pair in use as `selected`.
    stats.forEach((report) => {
      if (!pair && report.type === "candidate-pair" && report.selected) {
        pair = report;
      }
    });
    if (!pair) return null;
    const local = stats.get(pair.localCandidateId);
    const remote = stats.get(pair.remoteCandidateId);
    return {
      local: local.candidateType,
      remote: remote.candidateType,
      protocol: local.protocol,
      relayProtocol: local.relayProtocol,
    };
  });
}

/** The candidate types of the page's selected candidate pair: [local, remote]. */
export async function selectedPair(
  page: Evaluates,
): Promise<[string, string] | null> {
  const path = await selectedPath(page);
  return path && [path.local, path.remote];
}

/** Inbound RTP counters of the page's newest peer connection, for one kind of media. */
export interface Inbound {
  framesDecoded: number;
  packetsReceived: number;
  totalAudioEnergy: number;
  /** Audio samples played out: received, and made up where packets were missing. */
  totalSamplesReceived: number;
  concealedSamples: number;
}

/** Reads the inbound counters for `kind`; zeros if nothing of that kind arrives. */
export function inbound(
  page: Evaluates,
  kind: "audio" | "video",
): Promise<Inbound> {
  return page.evaluate(async (kind) => {
    const pcs =
      (window as unknown as { __peerConnections: RTCPeerConnection[] })
        .__peerConnections;
    const result = {
      framesDecoded: 0,
      packetsReceived: 0,
      totalAudioEnergy: 0,
      totalSamplesReceived: 0,
      concealedSamples: 0,
    };
    const pc = pcs.at(-1);
    if (!pc) return result;
    const stats = await pc.getStats();
    stats.forEach((report) => {
      if (report.type === "inbound-rtp" && report.kind === kind) {
        result.framesDecoded = report.framesDecoded ?? 0;
        result.packetsReceived = report.packetsReceived ?? 0;
        result.totalAudioEnergy = report.totalAudioEnergy ?? 0;
        result.totalSamplesReceived = report.totalSamplesReceived ?? 0;
        result.concealedSamples = report.concealedSamples ?? 0;
      }
    });
    return result;
  }, kind);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `field` of the inbound `kind` counters rises by at least `by`. */
export async function waitForRise(
  page: Evaluates,
  kind: "audio" | "video",
  field: keyof Inbound,
  by = 1,
  timeoutMs = 15_000,
): Promise<void> {
  const start = (await inbound(page, kind))[field];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(200);
    if ((await inbound(page, kind))[field] - start >= by) return;
  }
  throw new Error(
    `inbound ${kind} ${field} did not rise by ${by} within ${timeoutMs} ms`,
  );
}

/** How much `field` rises over `ms`, after letting `settleMs` pass first. */
export async function riseOver(
  page: Evaluates,
  kind: "audio" | "video",
  field: keyof Inbound,
  ms: number,
  settleMs = 700,
): Promise<number> {
  await sleep(settleMs);
  const start = (await inbound(page, kind))[field];
  await sleep(ms);
  return (await inbound(page, kind))[field] - start;
}

/** The state of every track and peer connection the page ever made. */
export function mediaState(
  page: Evaluates,
): Promise<{ tracks: string[]; connections: string[] }> {
  return page.evaluate(() => {
    const w = window as unknown as {
      __streams: MediaStream[];
      __peerConnections: RTCPeerConnection[];
    };
    return {
      tracks: w.__streams.flatMap((s) =>
        s.getTracks().map((t) => `${t.kind}:${t.readyState}`)
      ),
      connections: w.__peerConnections.map((pc) => pc.signalingState),
    };
  });
}

/** Waits until the page's status line (`role="status"`) shows `text`. */
export async function waitForStatus(
  page: Page,
  text: string | RegExp,
  timeoutMs?: number,
): Promise<void> {
  try {
    await page.getByRole("status").filter({ hasText: text }).waitFor(
      timeoutMs === undefined ? undefined : { timeout: timeoutMs },
    );
  } catch (error) {
    // Say what the page showed instead, so that a failure names the state it stopped in.
    const shown = await page.getByRole("status").allTextContents().catch(
      () => [],
    );
    throw new Error(
      `waiting for the status "${text}", the page shows ${
        JSON.stringify(shown)
      }: ${(error as Error).message.split("\n")[0]}`,
    );
  }
}

/** Waits until the island's call state is `state`. */
export async function waitForCallState(
  page: Page,
  state: string,
): Promise<void> {
  await page.locator(`[data-call-state="${state}"]`).waitFor();
}

/** Gives `context` the session cookie of an account (`name=value`), as its sign-in would for `http`. */
export async function holdSession(
  context: BrowserContext,
  http: string,
  cookie: string,
): Promise<void> {
  const [name, value] = cookie.split(/=(.*)/s);
  await context.addCookies([{
    name,
    value,
    url: http,
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
  }]);
}
