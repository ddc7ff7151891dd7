/**
 * Bad links under a call, in the network lab: 5% of packets lost each way
 * at one side's router, and one side's link held to 300 kbit/s. Audio must
 * keep playing (packets arriving, little of it made up), protected first by
 * what the page does (redundant audio, sender priority), and video keep
 * moving, at a lower quality the call details show.
 */
import assert from "node:assert/strict";
import {
  callDetail,
  type CallPage,
  openCallDetails,
  untilStatus,
} from "./support/call_page.ts";
import { CHROMIUM, COTURN, needsLab } from "./support/environment.ts";
import {
  type LabCalls,
  openLabCalls,
  placeCall,
  receivedOver,
  WITHOUT_AUDIO_PROTECTION,
} from "./support/lab/calls.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long each measurement listens. */
const LISTEN_MS = 10_000;

/** Pixels in a resolution as the call details write it ("640×480"). */
const pixels = (resolution: string) =>
  resolution.split("×").map(Number).reduce((a, b) => a * b, 1);

/** A call from home1a to home2, with the pages' own audio protection unless `before` takes it away. */
async function callAcross(
  calls: LabCalls,
  name: string,
  before = "",
): Promise<[CallPage, CallPage]> {
  const caller = await calls.signIn("home1a", `alice-${name}`, { before });
  const callee = await calls.signIn("home2", `bob-${name}`, { before });
  await placeCall(caller, `alice-${name}`, callee, `bob-${name}`);
  return [caller, callee];
}

async function hangUp(caller: CallPage, callee: CallPage, name: string) {
  await caller.press("End call");
  await untilStatus(callee, `alice-${name} ended the call`);
}

Deno.test({
  name:
    "lab: a call keeps its audio through 5% loss and a 300 kbit/s link, video degrading instead",
  ignore: needsLab(CHROMIUM, COTURN),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const calls = await openLabCalls();
    try {
      await t.step(
        "5% loss each way: the call connects, audio plays with almost nothing made up, video moves; without the protection more is made up",
        async () => {
          calls.lab.impair("home2", { lossPercent: 5 });
          const concealed: Record<string, number> = {};
          for (
            const [name, before] of [
              ["protected", ""],
              ["unprotected", WITHOUT_AUDIO_PROTECTION],
            ]
          ) {
            const [caller, callee] = await callAcross(calls, name, before);
            try {
              const received = await receivedOver([caller, callee], LISTEN_MS);
              console.log(`5% loss, ${name}:`, JSON.stringify(received));
              for (const each of received) {
                // 50 audio packets a second are sent; at most a few in ten are lost.
                assert.ok(each.audioPackets > 40 * LISTEN_MS / 1000);
                assert.ok(each.videoFrames > 5 * LISTEN_MS / 1000);
              }
              concealed[name] = received.reduce(
                (sum, each) => sum + each.concealedPercent / received.length,
                0,
              );
              await hangUp(caller, callee, name);
            } finally {
              await caller.close();
              await callee.close();
            }
          }
          calls.lab.repair("home2");
          assert.ok(
            concealed.protected < 2,
            `protected: ${concealed.protected}% concealed`,
          );
          assert.ok(
            concealed.protected < concealed.unprotected,
            `protected ${concealed.protected}% against ${concealed.unprotected}% concealed`,
          );
        },
      );
      await t.step(
        "a 300 kbit/s link: audio stays continuous, video keeps moving at a lower quality the call details show",
        async () => {
          const [caller, callee] = await callAcross(calls, "thin");
          try {
            const pages = [caller, callee];
            for (const page of pages) await openCallDetails(page);
            await sleep(2_500);
            const before = await Promise.all(
              pages.map((page) => callDetail(page, "Resolution")),
            );
            calls.lab.impair("home2", { rateKbit: 300 });
            const narrowing = await receivedOver(pages, LISTEN_MS);
            const narrowed = await receivedOver(pages, LISTEN_MS);
            console.log(
              "300 kbit/s, as the link narrows and after:",
              JSON.stringify({ narrowing, narrowed }),
            );
            for (const each of [...narrowing, ...narrowed]) {
              assert.ok(each.concealedPercent < 5, JSON.stringify(each));
            }
            for (const each of narrowed) {
              assert.ok(each.audioPackets > 45 * LISTEN_MS / 1000);
              assert.ok(each.videoFrames > 2 * LISTEN_MS / 1000);
            }
            for (const [index, page] of pages.entries()) {
              const after = await callDetail(page, "Resolution");
              const bitrate = parseInt(await callDetail(page, "Bitrate"));
              assert.ok(
                pixels(after) < pixels(before[index]) && bitrate <= 300,
                `${before[index]} before, ${after} at ${bitrate} kbit/s after`,
              );
            }
            calls.lab.repair("home2");
            await hangUp(caller, callee, "thin");
          } finally {
            await caller.close();
            await callee.close();
          }
        },
      );
    } finally {
      await calls.close();
    }
  },
});
