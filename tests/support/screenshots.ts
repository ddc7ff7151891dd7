/**
 * Writes the README's screenshots to docs/: `deno task screenshots`.
 * Two users on the real app in headless Chromium with fake devices.
 */
import {
  launchChromium,
  openAs,
  waitForRise,
  waitForStatus,
} from "./browser.ts";
import { startApp } from "./servers.ts";

const docs = new URL("../../docs/", import.meta.url);
const shot = (name: string) => ({ path: new URL(name, docs).pathname });
await Deno.mkdir(docs, { recursive: true });
const server = await startApp();
const browser = await launchChromium();
try {
  const alice = await openAs(browser, server.http, "alice");
  const bob = await openAs(browser, server.http, "bob");
  await alice.getByRole("button", { name: "bob", exact: true }).waitFor();
  await alice.screenshot(shot("idle.png"));
  await alice.getByRole("button", { name: "bob", exact: true }).click();
  await bob.getByRole("button", { name: /accept/i }).waitFor();
  await bob.screenshot(shot("ringing.png"));
  await bob.getByRole("button", { name: /accept/i }).click();
  await waitForStatus(alice, "In call with bob");
  await waitForRise(alice, "video", "framesDecoded", 30);
  await bob.getByRole("textbox", { name: "Chat message" }).fill(
    "Can you see my screen?",
  );
  await bob.getByRole("button", { name: "Send" }).click();
  await alice.getByRole("list", { name: "Chat messages" }).getByText(
    "Can you see my screen?",
  ).waitFor();
  await alice.screenshot(shot("in-call.png"));
  await alice.getByRole("button", { name: "Dark theme" }).click();
  await alice.getByRole("button", { name: /call details/i }).click();
  await alice.getByText(/kbit\/s/).waitFor({ timeout: 10_000 });
  await alice.screenshot(shot("dark.png"));
  await bob.setViewportSize({ width: 390, height: 844 });
  await waitForRise(bob, "video", "framesDecoded", 10);
  await bob.screenshot(shot("phone.png"));
  console.log(
    `Wrote idle, ringing, in-call, dark and phone screenshots to ${docs.pathname}`,
  );
} finally {
  await browser.close();
  await server.close();
}
