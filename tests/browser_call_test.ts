/**
 * Real calls in headless Chromium with fake camera and microphone, driven
 * only through the accessible names in docs/ui.md.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, needsService } from "./support/environment.ts";
import { startApp } from "./support/servers.ts";
import {
  dial,
  inbound,
  launchChromium,
  mediaState,
  openAs,
  riseOver,
  waitForCallState,
  waitForRise,
  waitForStatus,
} from "./support/browser.ts";

/** Every track the page opened is stopped and every peer connection closed. */
async function assertReleased(page: Page, who: string) {
  const { tracks, connections } = await mediaState(page);
  assert.ok(tracks.length > 0, `${who} opened devices`);
  assert.deepEqual(
    tracks.filter((t) => !t.endsWith(":ended")),
    [],
    `${who}'s tracks are all ended`,
  );
  assert.deepEqual(
    connections.filter((c) => c !== "closed"),
    [],
    `${who}'s peer connections are closed`,
  );
}

/**
 * Runs in a page first to make it an older client: it joins without
 * `prepare=1`, so the server hands it no offer while it rings.
 */
const OLDER_PAGE = `
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(url, ...rest) {
      super(String(url).replace("&prepare=1", ""), ...rest);
    }
  };
`;

async function startCall(
  caller: Page,
  callee: Page,
  calleeId: string,
  kind: "video call" | "audio call",
) {
  await dial(caller, calleeId, new RegExp(kind, "i"));
  await waitForStatus(caller, `Calling ${calleeId}`);
  await callee.getByRole("button", { name: /accept/i }).waitFor();
}

Deno.test({
  name: "browser: calls in a real browser",
  ignore: needsService(CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startApp();
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const alice = await openAs(browser, server.http, "alice");
      const bob = await openAs(browser, server.http, "bob");

      await t.step(
        "a video call: both sides decode the other's video and hear audio",
        async () => {
          await alice.getByRole("button", { name: "bob", exact: true })
            .waitFor();
          await startCall(alice, bob, "bob", "video call");
          await bob.getByText("Incoming video call from alice").waitFor();
          assert.equal(
            await bob.getByRole("button", { name: /decline/i }).count(),
            1,
          );
          await bob.getByRole("button", { name: /accept/i }).click();
          await waitForStatus(alice, "In call with bob");
          await waitForStatus(bob, "In call with alice");
          for (const page of [alice, bob]) {
            await waitForRise(page, "video", "framesDecoded", 10);
            await waitForRise(page, "audio", "packetsReceived", 10);
            assert.ok(await page.getByTestId("local-video").isVisible());
            assert.ok(await page.getByTestId("remote-video").isVisible());
          }
        },
      );

      await t.step(
        "mute silences what the peer receives; unmute brings it back",
        async () => {
          const button = (pressed: boolean) =>
            alice.getByRole("button", { name: /mute/i, pressed });
          await button(false).waitFor();
          const speaking = await riseOver(
            bob,
            "audio",
            "totalAudioEnergy",
            1_500,
            0,
          );
          assert.ok(speaking > 0, "bob hears alice");
          await button(false).click();
          await button(true).waitFor();
          const muted = await riseOver(bob, "audio", "totalAudioEnergy", 1_500);
          assert.ok(
            muted < speaking / 1_000,
            `bob hears silence (${muted} against ${speaking})`,
          );
          await button(true).click();
          await button(false).waitFor();
          await waitForRise(bob, "audio", "totalAudioEnergy", speaking / 10);
        },
      );

      await t.step(
        "camera off stops the video the peer receives; camera on resumes it",
        async () => {
          const button = (pressed: boolean) =>
            alice.getByRole("button", { name: /camera/i, pressed });
          await button(false).click();
          await button(true).waitFor();
          assert.equal(
            await riseOver(bob, "video", "framesDecoded", 1_500),
            0,
            "no frames reach bob",
          );
          const { tracks } = await mediaState(alice);
          assert.ok(
            tracks.includes("video:ended"),
            "the camera itself is released",
          );
          await button(true).click();
          await button(false).waitFor();
          await waitForRise(bob, "video", "framesDecoded", 10);
        },
      );

      await t.step(
        "end call returns both to idle with every device released",
        async () => {
          await bob.getByRole("button", { name: /end call/i }).click();
          await waitForStatus(alice, "bob ended the call.");
          await waitForCallState(alice, "idle");
          await waitForCallState(bob, "idle");
          await assertReleased(alice, "alice");
          await assertReleased(bob, "bob");
        },
      );

      await t.step("decline tells the caller", async () => {
        await startCall(alice, bob, "bob", "video call");
        await bob.getByRole("button", { name: /decline/i }).click();
        await waitForStatus(alice, "bob declined the call.");
        await waitForCallState(alice, "idle");
        await waitForCallState(bob, "idle");
        await assertReleased(alice, "alice");
      });

      await t.step(
        "a callee whose page does not prepare calls (an older client) still gets the call: the caller's offer comes again with its answer",
        async () => {
          const older = await openAs(browser!, server.http, "olga", OLDER_PAGE);
          try {
            await startCall(alice, older, "olga", "video call");
            await older.getByRole("button", { name: /accept/i }).click();
            await waitForStatus(alice, "In call with olga");
            for (const page of [alice, older]) {
              await waitForRise(page, "video", "framesDecoded", 10);
            }
            await alice.getByRole("button", { name: /end call/i }).click();
            await waitForCallState(older, "idle");
            await waitForCallState(alice, "idle");
          } finally {
            await older.context().close();
          }
        },
      );

      await t.step(
        "an audio-only call: audio both ways, no camera anywhere",
        async () => {
          const before = (await mediaState(bob)).tracks.length;
          await startCall(alice, bob, "bob", "audio call");
          await bob.getByText("Incoming audio call from alice").waitFor();
          await bob.getByRole("button", { name: /accept/i }).click();
          await waitForStatus(bob, "In call with alice");
          for (const page of [alice, bob]) {
            await waitForRise(page, "audio", "packetsReceived", 10);
          }
          assert.deepEqual((await mediaState(bob)).tracks.slice(before), [
            "audio:live",
          ]);
          assert.equal((await inbound(alice, "video")).packetsReceived, 0);
          assert.equal(
            await alice.getByRole("button", { name: /camera/i }).count(),
            0,
          );
          await alice.getByRole("button", { name: /end call/i }).click();
          await waitForCallState(bob, "idle");
          await waitForCallState(alice, "idle");
          await assertReleased(alice, "alice");
          await assertReleased(bob, "bob");
        },
      );
    } finally {
      await browser?.close();
      await server.close();
    }
  },
});
