/**
 * Call setup across the network lab's paths: from pressing Accept to the
 * first remote video frame on both sides, for calls on one LAN, between cone
 * NATs, between symmetric NATs (relayed over UDP) and from the corporate
 * network (relayed over TLS on 443), each against the in-page floor measured
 * by a browser in the same lab. Needs root (network namespaces): elsewhere
 * it says why it did not run.
 */
import type { Browser, Page } from "playwright-core";
import { mintToken } from "../lib/signaling/auth.ts";
import { launchChromiumIn } from "../tests/support/browser.ts";
import {
  CHROMIUM,
  COTURN,
  IPROUTE2,
  NFTABLES,
} from "../tests/support/environment.ts";
import {
  createLab,
  type HostName,
  type Impairment,
  LAB,
  type NetworkName,
} from "../tests/support/lab/network.ts";
import {
  labCertificates,
  startLabApp,
  startLabTurn,
} from "../tests/support/lab/services.ts";
import { FIRST_FRAME_PROBE, FLOOR } from "./call_setup.ts";
import { median } from "./support.ts";

const JWT_SECRET = "jwt-secret-for-the-lab-benchmark-012345678";
const TURN_SECRET = "turn-secret-for-the-lab-benchmark-01234567";

/** The paths measured: [name, caller's host, callee's host, and a bad link at one network's router]. */
const PATHS: [
  string,
  HostName,
  HostName,
  { at: NetworkName; how: Impairment }?,
][] = [
  ["same LAN, direct", "home1a", "home1b"],
  ["cone NAT to cone NAT, direct", "home1a", "home2"],
  ["cone NAT to cone NAT, 5% loss each way", "home1a", "home2", {
    at: "home2",
    how: { lossPercent: 5 },
  }],
  ["symmetric to symmetric, relayed over UDP", "sym1", "sym2"],
  ["corporate to home, relayed over TLS", "corp", "home2"],
];

/** One path's setup times. */
export interface LabSetupResult {
  path: string;
  calls: number;
  medianMs: number;
  ratio: number;
  samplesMs: number[];
}

/** What the lab benchmark measured, or why it did not run. */
export type LabSetup =
  | { floorMedianMs: number; paths: LabSetupResult[] }
  | { skipped: string };

/** Why the lab cannot be made here, or null when it can. */
export function labMissing(): string | null {
  if (Deno.uid() !== 0) return "it makes network namespaces, which needs root";
  for (const service of [IPROUTE2, NFTABLES, CHROMIUM, COTURN]) {
    try {
      Deno.statSync(service.path);
    } catch {
      return `${service.name} is missing (${service.install})`;
    }
  }
  return null;
}

async function signIn(browser: Browser, user: string): Promise<Page> {
  const page = await (await browser.newContext({ ignoreHTTPSErrors: true }))
    .newPage();
  await page.addInitScript(FIRST_FRAME_PROBE);
  await page.goto(
    `https://${LAB.appName}/?token=${await mintToken(JWT_SECRET, user, 3600)}`,
  );
  await page.getByRole("status").filter({ hasText: `Signed in as ${user}` })
    .waitFor();
  return page;
}

const read = (page: Page, name: string) =>
  page.waitForFunction(
    (name) => (window as unknown as Record<string, number>)[name],
    name,
  ).then((handle) => handle.jsonValue() as Promise<number>);

/** Accept → first remote frame on both sides, `calls` times per path, and the floor. */
export async function labCallSetup(
  calls: number,
  log: (line: string) => void,
): Promise<LabSetup> {
  const why = labMissing();
  if (why) {
    log(`lab call setup: skipped, ${why}`);
    return { skipped: why };
  }
  const lab = createLab("nxbench");
  const browsers = new Map<HostName, Browser>();
  const tls = await labCertificates();
  const turn = await startLabTurn(lab, TURN_SECRET, tls);
  const app = await startLabApp(lab, JWT_SECRET, TURN_SECRET, tls);
  const browserIn = async (host: HostName) => {
    if (!browsers.has(host)) {
      browsers.set(host, await launchChromiumIn(lab.hosts[host].namespace));
    }
    return browsers.get(host)!;
  };
  try {
    const measured: Omit<LabSetupResult, "ratio">[] = [];
    for (const [index, [path, from, to, impairment]] of PATHS.entries()) {
      if (impairment) lab.impair(impairment.at, impairment.how);
      const [alice, bob] = [`alice${index}`, `bob${index}`];
      const first = await signIn(await browserIn(from), alice);
      const second = await signIn(await browserIn(to), bob);
      const samples: number[] = [];
      for (let call = 0; call < calls; call++) {
        log(`lab call setup: ${path}, call ${call + 1} of ${calls}`);
        for (const page of [first, second]) {
          await page.evaluate(() => {
            const w = window as unknown as Record<string, unknown>;
            w.__firstRemoteFrame = null;
            w.__acceptedAt = null;
          });
        }
        // The two take turns calling, as people do, within the ring limit.
        const [from, to, toId] = call % 2
          ? [second, first, alice]
          : [first, second, bob];
        await from.getByRole("button", { name: toId, exact: true }).click();
        await to.getByRole("button", { name: /accept/i }).click();
        const acceptedAt = await read(to, "__acceptedAt");
        const frames = await Promise.all(
          [from, to].map((page) => read(page, "__firstRemoteFrame")),
        );
        samples.push(Math.max(...frames) - acceptedAt);
        await from.getByRole("button", { name: /end call/i }).click();
        for (const page of [from, to]) {
          await page.locator('[data-call-state="idle"]').waitFor();
        }
      }
      measured.push({
        path,
        calls,
        medianMs: Math.round(median(samples)),
        samplesMs: samples.map(Math.round),
      });
      await first.context().close();
      await second.context().close();
      if (impairment) lab.repair(impairment.at);
    }
    const floorPage = await signIn(await browserIn("home1a"), "floor");
    const floors: number[] = [];
    for (let i = 0; i < calls; i++) {
      floors.push(await floorPage.evaluate(FLOOR));
    }
    const floorMedianMs = Math.round(median(floors));
    return {
      floorMedianMs,
      paths: measured.map((result) => ({
        ...result,
        ratio: Math.round((result.medianMs / floorMedianMs) * 100) / 100,
      })),
    };
  } finally {
    for (const browser of browsers.values()) await browser.close();
    await app.stop();
    await turn.stop();
    lab.destroy();
  }
}
