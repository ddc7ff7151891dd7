/**
 * A network that changes under a call, in the network lab: mid-call one
 * side moves to another network (its old link and address gone, a new
 * address behind another router), as a phone walking from Wi-Fi to
 * cellular. Media must come back by itself on both sides, and the page say
 * "In call" again; each way round: the caller moves, the callee moves.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { mintToken } from "../lib/signaling/auth.ts";
import type { AppProcess } from "./support/app_process.ts";
import { launchChromiumIn } from "./support/browser.ts";
import {
  type CallPage,
  framesShown,
  openPage,
  untilFramesShown,
  untilStatus,
} from "./support/call_page.ts";
import { CHROMIUM, COTURN, needsLab } from "./support/environment.ts";
import {
  createLab,
  type HostName,
  LAB,
  type NetworkName,
} from "./support/lab/network.ts";
import {
  labCertificates,
  type LabProcess,
  startLabApp,
  startLabTurn,
} from "./support/lab/services.ts";

const JWT_SECRET = "jwt-secret-for-the-switch-lab-0123456789";
const TURN_SECRET = "turn-secret-for-the-switch-lab-012345678";

/** How long after a move media may take to come back before the test calls it lost. */
const GIVE_UP_MS = 30_000;

/**
 * Waits for the page's remote video to stall after the move (no frame for
 * half a second: what was buffered has played), then to show new frames;
 * the time from the move until it did.
 */
async function untilVideoBack(page: CallPage, since: number): Promise<number> {
  const pause = () => new Promise((resolve) => setTimeout(resolve, 100));
  let last = await framesShown(page);
  let still = Date.now();
  while (Date.now() - still < 500) {
    if (Date.now() - since > 5_000) break;
    await pause();
    const now = await framesShown(page);
    if (now !== last) [last, still] = [now, Date.now()];
  }
  while (Date.now() - since < GIVE_UP_MS) {
    await pause();
    if (await framesShown(page) - last >= 5) return Date.now() - since;
  }
  throw new Error(`${page.engine}: no video ${GIVE_UP_MS} ms after the move`);
}

const MOVES: { name: string; mover: "caller" | "callee"; to: NetworkName }[] = [
  { name: "the caller moves to another network", mover: "caller", to: "sym1" },
  { name: "the callee moves to another network", mover: "callee", to: "sym2" },
];

Deno.test({
  name:
    "lab: a call survives one side moving to another network, each way round",
  ignore: needsLab(CHROMIUM, COTURN),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const lab = createLab();
    const browsers: Browser[] = [];
    let turn: LabProcess | undefined;
    let app: AppProcess | undefined;
    try {
      const tls = await labCertificates();
      turn = await startLabTurn(lab, TURN_SECRET, tls);
      app = await startLabApp(lab, JWT_SECRET, TURN_SECRET, tls);
      const signIn = async (host: HostName, user: string) => {
        const browser = await launchChromiumIn(lab.hosts[host].namespace);
        browsers.push(browser);
        const token = await mintToken(JWT_SECRET, user, 600);
        const page = await openPage(
          browser,
          `https://${LAB.appName}/?token=${token}`,
        );
        await untilStatus(page, `Signed in as ${user}`);
        return page;
      };
      for (const [index, move] of MOVES.entries()) {
        await t.step(move.name, async () => {
          const [alice, bob] = [`alice${index}`, `bob${index}`];
          const hosts: [HostName, HostName] = index === 0
            ? ["home1a", "home2"]
            : ["home1b", "home2"];
          const caller = await signIn(hosts[0], alice);
          const callee = await signIn(hosts[1], bob);
          try {
            await caller.press(bob);
            await untilStatus(callee, `${alice} is calling you`);
            await callee.press("Accept call");
            for (const page of [caller, callee]) {
              await untilFramesShown(page, 10);
            }
            const moved = Date.now();
            lab.moveHost(hosts[move.mover === "caller" ? 0 : 1], move.to);
            const gaps = await Promise.all(
              [caller, callee].map((page) => untilVideoBack(page, moved)),
            );
            console.log(
              `${move.name}: video back after ${
                gaps.join(" / ")
              } ms (caller / callee)`,
            );
            await untilStatus(caller, `In call with ${bob}`);
            await untilStatus(callee, `In call with ${alice}`);
            await caller.press("End call");
            await untilStatus(callee, `${alice} ended the call`);
            assert.ok(gaps.every((gap) => gap < GIVE_UP_MS));
          } finally {
            await caller.close();
            await callee.close();
          }
        });
      }
    } finally {
      for (const browser of browsers) await browser.close();
      await app?.stop();
      await turn?.stop();
      lab.destroy();
    }
  },
});
