/**
 * A lab ready for calls: its networks, coturn and the app running, and
 * pages signed in from any host, each in a Chromium of its own inside that
 * host's namespace. What the bad-network tests share.
 */
import type { Browser } from "playwright-core";
import { mintToken } from "../../../lib/signaling/auth.ts";
import type { AppProcess } from "../app_process.ts";
import type { Browser as PuppeteerBrowser } from "puppeteer-core";
import { inbound, launchChromiumIn } from "../browser.ts";
import { launchFirefox } from "../firefox.ts";
import {
  answeredCall,
  type CallPage,
  framesShown,
  openPage,
  untilFramesShown,
  untilStatus,
  videoBackAt,
} from "../call_page.ts";
import { createLab, type HostName, LAB, type Lab } from "./network.ts";
import {
  type LabCertificates,
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
  /**
   * A page signed in as `user` from `host`, in a browser of its own
   * (Chromium unless `engine` says Firefox); `before` runs in the page first.
   */
  signIn(
    host: HostName,
    user: string,
    options?: { engine?: CallPage["engine"]; before?: string },
  ): Promise<CallPage>;
  close(): Promise<void>;
}

/** Makes a lab and starts its relay and app. */
export async function openLabCalls(): Promise<LabCalls> {
  const lab = createLab();
  const browsers: (Browser | PuppeteerBrowser)[] = [];
  let turn: LabProcess | undefined;
  let app: AppProcess | undefined;
  let tls: LabCertificates;
  const close = async () => {
    for (const browser of browsers) await browser.close();
    await app?.stop();
    await turn?.stop();
    lab.destroy();
  };
  try {
    tls = await labCertificates();
    turn = await startLabTurn(lab, TURN_SECRET, tls);
    app = await startLabApp(lab, JWT_SECRET, TURN_SECRET, tls);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    lab,
    signIn: async (host, user, options = {}) => {
      const namespace = lab.hosts[host].namespace;
      const browser = options.engine === "firefox"
        ? await launchFirefox(namespace, tls.ca)
        : await launchChromiumIn(namespace);
      browsers.push(browser);
      const token = await mintToken(JWT_SECRET, user, 600);
      const page = await openPage(
        browser,
        `https://${LAB.appName}/?token=${token}`,
        options.before,
      );
      await untilStatus(page, `Signed in as ${user}`);
      return page;
    },
    close,
  };
}

/**
 * `caller` (signed in as `callerId`) calls `calleeId` on `callee`, which
 * accepts; settles once both pages say so and show the other's video.
 */
export async function placeCall(
  caller: CallPage,
  callerId: string,
  callee: CallPage,
  calleeId: string,
): Promise<void> {
  await answeredCall(caller, callerId, callee, calleeId);
  for (const page of [caller, callee]) await untilFramesShown(page, 10);
}

/**
 * Waits for the page's remote video to come back after a gap that ends
 * after `since` (epoch ms): the time from `since` to its fifth frame after
 * the gap, from the times the page noted for its frames.
 */
export async function untilVideoBack(
  page: CallPage,
  since: number,
  giveUpMs: number,
): Promise<number> {
  while (Date.now() - since < giveUpMs) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const back = await videoBackAt(page, since);
    if (back !== null) return Math.round(back - since);
  }
  throw new Error(`${page.engine}: no video ${giveUpMs} ms after the change`);
}

/** What a page received over a stretch of a call. */
export interface MediaReceived {
  audioPackets: number;
  /** The share of the audio played out that was made up for packets that never came. */
  concealedPercent: number;
  videoFrames: number;
}

/** What each page receives over the next `ms`, measured from `getStats` and frames shown. */
export async function receivedOver(
  pages: CallPage[],
  ms: number,
): Promise<MediaReceived[]> {
  const read = () =>
    Promise.all(
      pages.map(async (page) => ({
        audio: await inbound(page, "audio"),
        frames: await framesShown(page),
      })),
    );
  const start = await read();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const end = await read();
  return end.map(({ audio, frames }, index) => {
    const samples = audio.totalSamplesReceived -
      start[index].audio.totalSamplesReceived;
    const concealed = audio.concealedSamples -
      start[index].audio.concealedSamples;
    return {
      audioPackets: audio.packetsReceived -
        start[index].audio.packetsReceived,
      concealedPercent: samples > 0 ? (concealed / samples) * 100 : 100,
      videoFrames: frames - start[index].frames,
    };
  });
}

/**
 * A script for `signIn`'s `before`: the page cannot keep a certificate (as in
 * a private window), so after a network change it restarts ICE instead of
 * renewing its connection.
 */
export const WITHOUT_LASTING_CERTIFICATE = `
  indexedDB.open = () => { throw new DOMException("no storage here", "SecurityError"); };
`;

/**
 * Runs in a page first to take away what the page does to protect audio
 * (redundant audio, sender priority), as a browser without them would be:
 * the baseline its protection is measured against.
 */
export const WITHOUT_AUDIO_PROTECTION = `
  const capabilities = RTCRtpReceiver.getCapabilities.bind(RTCRtpReceiver);
  RTCRtpReceiver.getCapabilities = (kind) => {
    const found = capabilities(kind);
    if (found) {
      found.codecs = found.codecs.filter((codec) => codec.mimeType.toLowerCase() !== "audio/red");
    }
    return found;
  };
  const setParameters = RTCRtpSender.prototype.setParameters;
  RTCRtpSender.prototype.setParameters = function (parameters, ...rest) {
    for (const encoding of parameters.encodings ?? []) {
      delete encoding.priority;
      delete encoding.networkPriority;
    }
    return setParameters.call(this, parameters, ...rest);
  };
`;
