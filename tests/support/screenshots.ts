/**
 * Writes the README's screenshots to docs/: `deno task screenshots`.
 * Two users on the real app in headless Chromium with fake devices; then
 * accounts mode: the contacts page, Settings with a call link, and the
 * link's page as its guest sees it.
 */
import { act, befriend, person } from "./accounts.ts";
import { startAccountsApp } from "./accounts_app.ts";
import {
  fromMore,
  holdSession,
  launchChromium,
  openAs,
  waitForRise,
  waitForStatus,
} from "./browser.ts";
import { makeLink } from "./call_link_guest.ts";
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
  // bob's page is dark: the header, and its theme switch, hide in a call.
  await bob.getByRole("button", { name: "Dark theme" }).click();
  await alice.getByRole("button", { name: "bob", exact: true }).click();
  await bob.getByRole("button", { name: /accept/i }).waitFor();
  await bob.screenshot(shot("ringing.png"));
  await bob.getByRole("button", { name: /accept/i }).click();
  await waitForStatus(alice, "In call with bob");
  await waitForRise(alice, "video", "framesDecoded", 30);
  await fromMore(alice, /^chat/i);
  await fromMore(bob, /^chat/i);
  await bob.getByRole("textbox", { name: "Chat message" }).fill(
    "Can you see my screen?",
  );
  await bob.getByRole("button", { name: "Send" }).click();
  await alice.getByRole("list", { name: "Chat messages" }).getByText(
    "Can you see my screen?",
  ).waitFor();
  await alice.mouse.move(1, 1);
  await alice.screenshot(shot("in-call.png"));
  await fromMore(bob, /^chat/i);
  await fromMore(bob, /call details/i);
  await bob.getByText(/kbit\/s/).waitFor({ timeout: 10_000 });
  await bob.screenshot(shot("dark.png"));
  await fromMore(bob, /call details/i);
  await bob.setViewportSize({ width: 390, height: 844 });
  await waitForRise(bob, "video", "framesDecoded", 10);
  await bob.screenshot(shot("phone.png"));
} finally {
  await server.close();
}

const { app, store, close } = await startAccountsApp();
try {
  const [alice, bob, carol] = await Promise.all(
    ["alice", "bob", "carol"].map((name) => person(store, name)),
  );
  await befriend(app, alice, bob);
  await act(app, carol, "contacts/add", { userId: alice.userId });
  const link = await makeLink(app, alice, { label: "Grandma" });
  await makeLink(app, alice, { label: "Plumber", hours: 1, once: true });
  const own = await browser.newContext({
    viewport: { width: 900, height: 900 },
  });
  await holdSession(own, app.http, alice.cookie);
  const page = await own.newPage();
  await page.goto(`${app.http}/contacts`);
  await page.getByRole("button", { name: `Accept ${carol.userId}` }).waitFor();
  await page.screenshot(shot("contacts.png"));
  await page.goto(`${app.http}/settings`);
  await page.getByRole("button", { name: "Revoke link Grandma" }).waitFor();
  await page.getByRole("region", { name: "Call links" }).screenshot(
    shot("call-links.png"),
  );
  const guest = await (await browser.newContext({
    viewport: { width: 900, height: 700 },
  })).newPage();
  await guest.goto(`${app.http}/call/${link.secret}`);
  await guest.getByRole("textbox", { name: "Your name" }).fill("Gran");
  // The camera preview shows a frame before the picture is taken.
  await guest.getByTestId("preview-video").evaluate((video) =>
    new Promise((resolve) =>
      (video as HTMLVideoElement).requestVideoFrameCallback(resolve)
    )
  );
  await guest.screenshot(shot("guest.png"));
  console.log(
    `Wrote idle, ringing, in-call, dark, phone, contacts, call-links and guest screenshots to ${docs.pathname}`,
  );
} finally {
  await browser.close();
  await close();
}
