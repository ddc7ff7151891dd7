/**
 * Writes the README's screenshots to docs/: `deno task screenshots`.
 * Two users on the real app in headless Chromium with fake devices.
 */
import { launchChromium, openAs, waitForRise } from "./browser.ts";
import { startApp } from "./servers.ts";

const docs = new URL("../../docs/", import.meta.url);
await Deno.mkdir(docs, { recursive: true });
const server = await startApp();
const browser = await launchChromium();
try {
  const alice = await openAs(browser, server.http, "alice");
  const bob = await openAs(browser, server.http, "bob");
  await alice.getByRole("button", { name: "bob", exact: true }).waitFor();
  await alice.screenshot({ path: new URL("idle.png", docs).pathname });
  await alice.getByRole("button", { name: "bob", exact: true }).click();
  await bob.getByRole("button", { name: /accept/i }).waitFor();
  await bob.screenshot({ path: new URL("ringing.png", docs).pathname });
  await bob.getByRole("button", { name: /accept/i }).click();
  await alice.getByRole("status").filter({ hasText: "In call with bob" })
    .waitFor();
  await waitForRise(alice, "video", "framesDecoded", 30);
  await alice.screenshot({ path: new URL("in-call.png", docs).pathname });
  console.log(
    `Wrote idle.png, ringing.png and in-call.png to ${docs.pathname}`,
  );
} finally {
  await browser.close();
  await server.close();
}
