/**
 * Call links, measured: from a guest opening a link in Chromium (a context
 * of its own, nothing cached) to the owner's device hearing the ring: the
 * page's load and hydration, the name typed and **Call** pressed by script,
 * the guest's join and the ring. And what the guest's page downloads.
 */
import type { Browser } from "playwright-core";
import { joinAs, person } from "../tests/support/accounts.ts";
import { startAccountsApp } from "../tests/support/accounts_app.ts";
import { launchChromium } from "../tests/support/browser.ts";
import { makeLink } from "../tests/support/call_link_guest.ts";
import { gzippedSize, pageScripts } from "../tests/support/page_weight.ts";
import { median } from "./support.ts";

/** What the call link benchmark found. */
export interface CallLinkBench {
  calls: number;
  medianMs: number;
  samplesMs: number[];
  /** The guest page's JavaScript, gzip, and how many files. */
  guestPageGzipBytes: number;
  guestPageFiles: number;
}

/** Opens a new link `calls` times and calls its owner from it. */
export async function callLinkBench(
  calls: number,
  log: (message: string) => void,
): Promise<CallLinkBench> {
  log(`call links: ${calls} guests open a link and ring its owner`);
  const { app, store, close } = await startAccountsApp({
    NEXUS_CALL_LINKS_MAX: String(calls + 1),
  });
  let browser: Browser | undefined;
  const samples: number[] = [];
  try {
    const alice = await person(store, "alice");
    const owner = await joinAs(app, alice);
    browser = await launchChromium();
    const first = await makeLink(app, alice, { label: "weighed" });
    const scripts = await pageScripts(app.http, `/call/${first.secret}`);
    for (let i = 0; i < calls; i++) {
      const link = await makeLink(app, alice, { label: `guest ${i}` });
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const started = performance.now();
        await page.goto(`${app.http}/call/${link.secret}`);
        await page.getByRole("textbox", { name: "Your name" }).fill("Guest");
        await page.getByRole("button", { name: `Call ${alice.userId}` })
          .click();
        const ring = await owner.find("call:request");
        samples.push(performance.now() - started);
        owner.send("call:response", {
          to: ring.payload.from,
          accepted: false,
        });
      } finally {
        await context.close();
      }
    }
    await owner.close();
    return {
      calls,
      medianMs: Math.round(median(samples)),
      samplesMs: samples.map(Math.round),
      guestPageGzipBytes: gzippedSize(scripts.values()),
      guestPageFiles: scripts.size,
    };
  } finally {
    await browser?.close();
    await close();
  }
}

if (import.meta.main) {
  console.log(
    JSON.stringify(
      await callLinkBench(Number(Deno.args[0] ?? 10), console.error),
      null,
      2,
    ),
  );
}
