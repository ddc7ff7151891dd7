/**
 * A lab ready for calls: its networks, coturn and the app running, and
 * pages signed in from any host, each in a Chromium of its own inside that
 * host's namespace. What the bad-network tests share.
 */
import type { Browser } from "playwright-core";
import { mintToken } from "../../../lib/signaling/auth.ts";
import type { AppProcess } from "../app_process.ts";
import { launchChromiumIn } from "../browser.ts";
import {
  type CallPage,
  framesShown,
  openPage,
  untilFramesShown,
  untilStatus,
} from "../call_page.ts";
import { createLab, type HostName, LAB, type Lab } from "./network.ts";
import {
  labCertificates,
  type LabProcess,
  startLabApp,
  startLabTurn,
} from "./services.ts";

const JWT_SECRET = "jwt-secret-for-lab-calls-0123456789abcdef";
const TURN_SECRET = "turn-secret-for-lab-calls-0123456789abcde";

/** The lab with its servers up, and a way to sign in from any host. */
export interface LabCalls {
  lab: Lab;
  /** A page signed in as `user` from `host`, in a Chromium of its own. */
  signIn(host: HostName, user: string): Promise<CallPage>;
  close(): Promise<void>;
}

/** Makes a lab and starts its relay and app. */
export async function openLabCalls(): Promise<LabCalls> {
  const lab = createLab();
  const browsers: Browser[] = [];
  let turn: LabProcess | undefined;
  let app: AppProcess | undefined;
  const close = async () => {
    for (const browser of browsers) await browser.close();
    await app?.stop();
    await turn?.stop();
    lab.destroy();
  };
  try {
    const tls = await labCertificates();
    turn = await startLabTurn(lab, TURN_SECRET, tls);
    app = await startLabApp(lab, JWT_SECRET, TURN_SECRET, tls);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    lab,
    signIn: async (host, user) => {
      const browser = await launchChromiumIn(lab.hosts[host].namespace);
      browsers.push(browser);
      const token = await mintToken(JWT_SECRET, user, 600);
      const page = await openPage(
        browser,
        `https://${LAB.appName}/?token=${token}`,
      );
      await untilStatus(page, `Signed in as ${user}`);
      return page;
    },
    close,
  };
}

/**
 * `caller` (signed in as `callerId`) calls `calleeId` on `callee`, which
 * accepts; settles once both pages show the other's video.
 */
export async function placeCall(
  caller: CallPage,
  callerId: string,
  callee: CallPage,
  calleeId: string,
): Promise<void> {
  await caller.press(calleeId);
  await untilStatus(callee, `${callerId} is calling you`);
  await callee.press("Accept call");
  for (const page of [caller, callee]) await untilFramesShown(page, 10);
}

/**
 * Waits for the page's remote video to stall after `since` (no frame for
 * half a second: what was buffered has played), then to show new frames;
 * the time from `since` until it did.
 */
export async function untilVideoBack(
  page: CallPage,
  since: number,
  giveUpMs: number,
): Promise<number> {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 100));
  let last = await framesShown(page);
  let still = Date.now();
  while (Date.now() - still < 500) {
    if (Date.now() - since > 5_000) break;
    await pause();
    const now = await framesShown(page);
    if (now !== last) [last, still] = [now, Date.now()];
  }
  while (Date.now() - since < giveUpMs) {
    await pause();
    if (await framesShown(page) - last >= 5) return Date.now() - since;
  }
  throw new Error(`${page.engine}: no video ${giveUpMs} ms after the change`);
}
