/**
 * The call experience in headless Chromium, driven by accessible names:
 * presence, devices, screen share, chat, the peer's state, quality,
 * recording, keyboard shortcuts, a phone-sized screen the peer's video
 * fills.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, needsService } from "./support/environment.ts";
import { startAppProcess } from "./support/app_process.ts";
import {
  dial,
  launchChromium,
  openAs,
  riseOver,
  waitForCallState,
  waitForRise,
  waitForStatus,
} from "./support/browser.ts";

const badges = (page: Page) => page.getByRole("list", { name: "Peer status" });

async function connect(caller: Page, callee: Page, calleeId: string) {
  await dial(caller, calleeId);
  await callee.getByRole("button", { name: /accept/i }).click();
  await waitForStatus(caller, `In call with ${calleeId}`);
  await waitForRise(callee, "video", "framesDecoded", 5);
}

Deno.test({
  name: "browser: the call experience in a real browser",
  ignore: needsService(CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await startAppProcess({});
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const alice = await openAs(browser, app.http, "alice");
      const bob = await openAs(browser, app.http, "bob");

      await t.step(
        "an id typed before the page's script ran is the one Join signs in with",
        async () => {
          const page = await (await browser!.newContext()).newPage();
          page.setDefaultTimeout(15_000);
          // The island's bundles are held back until the id is typed.
          let release = () => {};
          const held = new Promise<void>((resolve) => release = resolve);
          await page.route("**/_frsh/js/**", async (route) => {
            await held;
            await route.continue();
          });
          await page.goto(app.http, { waitUntil: "commit" });
          const box = page.getByRole("textbox", { name: /your id/i });
          await box.fill("dave");
          assert.equal(
            await page.getByRole("button", { name: /join/i }).isDisabled(),
            true,
            "Join waits for the page's script",
          );
          release();
          await page.getByRole("button", { name: /join/i }).click();
          await waitForStatus(page, "Signed in as dave");
          await page.context().close();
        },
      );

      await t.step(
        "presence: joins, leaves and calls show up live, both ways",
        async () => {
          const carol = await openAs(browser!, app.http, "carol");
          await alice.getByRole("button", { name: "carol", exact: true })
            .waitFor();
          await carol.getByRole("button", { name: "alice", exact: true })
            .waitFor();
          await connect(alice, bob, "bob");
          await carol.getByText("in a call").first().waitFor();
          await alice.getByRole("button", { name: /end call/i }).click();
          await waitForCallState(bob, "idle");
          await carol.getByText("in a call").first().waitFor({
            state: "detached",
          });
          await carol.context().close();
          await alice.getByRole("button", { name: "carol", exact: true })
            .waitFor({ state: "detached" });
        },
      );

      await t.step(
        "before the call: a preview, a level meter and remembered device choices",
        async () => {
          await alice.getByText("Camera, microphone and speaker").click();
          const preview = alice.getByTestId("preview-video");
          await alice.waitForFunction(() =>
            (document.querySelector(
              '[data-testid="preview-video"]',
            ) as HTMLVideoElement)?.videoWidth > 0
          );
          assert.ok(await preview.isVisible());
          await alice.getByText("Microphone level").waitFor();
          const camera = alice.getByRole("combobox", { name: "Camera" });
          const choice = await camera.locator("option").nth(1).getAttribute(
            "value",
          );
          await camera.selectOption(choice!);
          await alice.reload();
          await alice.getByRole("textbox", { name: /your id/i }).fill("alice");
          await alice.getByRole("button", { name: /join/i }).click();
          await alice.getByText("Camera, microphone and speaker").click();
          assert.equal(
            await alice.getByRole("combobox", { name: "Camera" }).inputValue(),
            choice,
            "remembered",
          );
          await alice.getByText("Camera, microphone and speaker").click();
          await alice.waitForFunction(() =>
            !(document.querySelector('[data-testid="preview-video"]') as
              | HTMLVideoElement
              | null)?.srcObject
          );
        },
      );

      await t.step(
        "switching camera and microphone mid-call keeps media flowing, without renegotiating",
        async () => {
          await connect(alice, bob, "bob");
          await alice.getByRole("button", { name: "More" }).click();
          await alice.getByRole("button", {
            name: "Switch camera, microphone or speaker",
          }).click();
          const offers = await alice.evaluate(() =>
            (window as unknown as { __peerConnections: RTCPeerConnection[] })
              .__peerConnections.at(-1)!
              .localDescription?.sdp
          );
          const camera = alice.getByRole("combobox", { name: "Camera" });
          await camera.selectOption(
            await camera.locator("option").nth(1).getAttribute("value") ?? "",
          );
          const microphone = alice.getByRole("combobox", {
            name: "Microphone",
          });
          await microphone.selectOption(
            await microphone.locator("option").nth(1).getAttribute("value") ??
              "",
          );
          await waitForRise(bob, "video", "framesDecoded", 10);
          await waitForRise(bob, "audio", "packetsReceived", 10);
          assert.equal(
            await alice.evaluate(() =>
              (window as unknown as { __peerConnections: RTCPeerConnection[] })
                .__peerConnections.at(-1)!
                .localDescription?.sdp
            ),
            offers,
            "no new offer was made",
          );
        },
      );

      await t.step(
        "screen share swaps what the peer receives, and back to the camera",
        async () => {
          const share = (pressed: boolean) =>
            alice.getByRole("button", { name: /share screen/i, pressed });
          await share(false).click();
          await share(true).waitFor();
          await badges(bob).getByText("Sharing screen").waitFor();
          // The screen's track is what the page now sends and shows as its own video.
          await alice.waitForFunction(() =>
            !/fake_device/.test(
              ((document.querySelector(
                '[data-testid="local-video"]',
              ) as HTMLVideoElement).srcObject as MediaStream)
                .getVideoTracks()[0]?.label ?? "fake_device",
            )
          );
          await waitForRise(bob, "video", "framesDecoded", 5);
          await share(true).click();
          await share(false).waitFor();
          await badges(bob).getByText("Sharing screen").waitFor({
            state: "detached",
          });
          await waitForRise(bob, "video", "framesDecoded", 5);
        },
      );

      await t.step("chat goes both ways, peer to peer", async () => {
        await alice.getByRole("button", { name: "More" }).click();
        await alice.getByRole("button", { name: "Chat", exact: true }).click();
        await alice.getByRole("textbox", { name: "Chat message" }).fill(
          "hello bob",
        );
        await alice.getByRole("button", { name: "Send" }).click();
        // bob's chat is closed: the message shows over the call, and in More.
        const shownOverCall = bob.locator("p[aria-live]", {
          hasText: "alice: hello bob",
        });
        await shownOverCall.waitFor();
        const more = bob.getByRole("button", { name: "More" });
        await more.click();
        await bob.getByRole("button", { name: "Chat, 1 new" }).click();
        await bob.getByRole("list", { name: "Chat messages" }).getByText(
          "hello bob",
        ).waitFor();
        await shownOverCall.waitFor({ state: "detached" });
        await more.click();
        await bob.getByRole("button", { name: "Chat", exact: true }).waitFor();
        await more.press("Escape");
        await bob.getByRole("textbox", { name: "Chat message" }).fill(
          "hi alice",
        );
        await bob.getByRole("textbox", { name: "Chat message" }).press("Enter");
        await alice.getByRole("list", { name: "Chat messages" }).getByText(
          "hi alice",
        ).waitFor();
      });

      await t.step(
        "the peer's tile follows its microphone and camera",
        async () => {
          await alice.getByRole("button", { name: /mute/i, pressed: false })
            .click();
          await badges(bob).getByText("Microphone muted").waitFor();
          await alice.getByRole("button", { name: /camera/i, pressed: false })
            .click();
          await badges(bob).getByText("Camera off").waitFor();
          await alice.getByRole("button", { name: /mute/i, pressed: true })
            .click();
          await alice.getByRole("button", { name: /camera/i, pressed: true })
            .click();
          await badges(bob).getByText("Microphone muted").waitFor({
            state: "detached",
          });
          await badges(bob).getByText("Camera off").waitFor({
            state: "detached",
          });
          assert.ok(await riseOver(bob, "video", "framesDecoded", 1_000) > 0);
        },
      );

      await t.step("the quality panel shows numbers", async () => {
        await bob.getByRole("button", { name: "More" }).click();
        await bob.getByRole("button", { name: /call details/i }).click();
        const panel = bob.getByRole("definition").filter({
          hasText: /kbit\/s/,
        });
        await panel.waitFor({ timeout: 10_000 });
        await bob.getByText(/^\d+ ms$/).waitFor({ timeout: 10_000 });
        await bob.getByText(/^\d+×\d+$/).waitFor();
        await bob.getByText(/^Direct, over UDP$/).waitFor();
      });

      await t.step(
        "recording is shown to both and produces a file",
        async () => {
          const download = alice.waitForEvent("download");
          const more = alice.getByRole("button", { name: "More" });
          await more.click();
          await alice.getByRole("button", { name: /record/i, pressed: false })
            .click();
          await badges(bob).getByText("Recording").waitFor();
          await badges(alice).getByText("Recording").waitFor();
          await new Promise((resolve) => setTimeout(resolve, 2_500));
          await more.click();
          await alice.getByRole("button", { name: /record/i, pressed: true })
            .click();
          const file = await (await download).path();
          assert.ok(
            file && (await Deno.stat(file)).size > 1_000,
            "a recording with content",
          );
          await badges(bob).getByText("Recording").waitFor({
            state: "detached",
          });
        },
      );

      await t.step("keyboard shortcuts: M, V, E, A, D", async () => {
        await alice.keyboard.press("m");
        await alice.getByRole("button", { name: /mute/i, pressed: true })
          .waitFor();
        await alice.keyboard.press("m");
        await alice.keyboard.press("v");
        await alice.getByRole("button", { name: /camera/i, pressed: true })
          .waitFor();
        await alice.keyboard.press("e");
        await waitForCallState(bob, "idle");
        await waitForCallState(alice, "idle");
        await alice.getByRole("textbox", { name: /user to call/i }).fill("bob");
        await alice.getByRole("button", { name: /video call/i }).click();
        await bob.getByRole("button", { name: /accept/i }).waitFor();
        await bob.keyboard.press("a");
        await waitForStatus(alice, "In call with bob");
        await bob.keyboard.press("e");
        await waitForCallState(alice, "idle");
        await waitForCallState(bob, "idle");
        await bob.getByRole("textbox", { name: /user to call/i }).fill("alice");
        await bob.getByRole("button", { name: /audio call/i }).click();
        await alice.getByRole("button", { name: /accept/i }).waitFor();
        await alice.keyboard.press("d");
        await waitForStatus(bob, "alice declined the call.");
        assert.ok(
          await alice.getByText(/Shortcuts: M mute/).isVisible(),
          "the shortcuts are listed",
        );
        await waitForCallState(bob, "idle");
      });

      await t.step(
        "ringing: focus on Accept, silenceable, and the title says who calls while the tab is hidden",
        async () => {
          await bob.evaluate(() =>
            Object.defineProperty(document, "hidden", {
              value: true,
              configurable: true,
            })
          );
          await alice.getByRole("textbox", { name: /user to call/i }).fill(
            "bob",
          );
          await alice.getByRole("button", { name: /video call/i }).click();
          await bob.getByRole("button", { name: /accept/i }).waitFor();
          await bob.waitForFunction(() =>
            document.title === "Incoming call from alice — Nexus Call"
          );
          assert.match(
            await bob.evaluate(() => document.activeElement?.textContent ?? ""),
            /Accept call/,
          );
          const silence = (page: Page, pressed: boolean) =>
            page.getByRole("button", { name: /silence ringing/i, pressed });
          await silence(bob, false).click();
          await silence(bob, true).waitFor();
          await silence(alice, false).waitFor();
          await bob.getByRole("button", { name: /decline/i }).click();
          await bob.waitForFunction(() => document.title === "Nexus Call");
          await bob.evaluate(() =>
            delete (document as unknown as Record<string, unknown>).hidden
          );
          await waitForCallState(alice, "idle");
        },
      );

      await t.step(
        "a phone, upright and on its side, and a tablet: every control in view, the other person filling at least 80% of the screen; your picture moves",
        async () => {
          for (const page of [alice, bob]) {
            await page.setViewportSize({ width: 390, height: 844 });
          }
          await connect(alice, bob, "bob");
          const screens = [
            { width: 390, height: 844 },
            { width: 844, height: 390 },
            { width: 768, height: 1024 },
          ];
          for (const screen of screens) {
            const which = `${screen.width}×${screen.height}`;
            await alice.setViewportSize(screen);
            for (
              const name of [
                /mute/i,
                /camera/i,
                /share screen/i,
                /end call/i,
                /^more$/i,
              ]
            ) {
              const control = alice.getByRole("button", { name });
              assert.ok(await control.isVisible(), `${name} is visible`);
              const box = (await control.boundingBox())!;
              assert.ok(
                box.x >= 0 && box.x + box.width <= screen.width,
                `${name} fits the width of ${which}`,
              );
              assert.ok(
                box.y + box.height <= screen.height,
                `${name} is on ${which} without scrolling`,
              );
            }
            const covered = await alice.evaluate(() => {
              const box = document.querySelector(
                '[data-testid="remote-video"]',
              )!.getBoundingClientRect();
              const width = Math.min(box.right, innerWidth) -
                Math.max(box.left, 0);
              const height = Math.min(box.bottom, innerHeight) -
                Math.max(box.top, 0);
              return (width * height) / (innerWidth * innerHeight);
            });
            assert.ok(
              covered >= 0.8,
              `the peer's video covers ${covered} of ${which}`,
            );
          }
          // Your own picture moves: a press to the next corner, a drag to the nearest.
          const tile = alice.getByRole("button", { name: "Move your picture" });
          const corner = async () => {
            const box = (await tile.boundingBox())!;
            const size = alice.viewportSize()!;
            return `${
              box.y + box.height / 2 > size.height / 2 ? "bottom" : "top"
            } ${box.x + box.width / 2 > size.width / 2 ? "right" : "left"}`;
          };
          // The page moves it as it renders next: asked until it is there.
          const untilIn = async (expected: string) => {
            let seen = "";
            for (let tries = 0; tries < 40; tries++) {
              if ((seen = await corner()) === expected) return;
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
            assert.equal(seen, expected);
          };
          await untilIn("top right");
          await tile.click();
          await untilIn("bottom right");
          const box = (await tile.boundingBox())!;
          await alice.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
          await alice.mouse.down();
          await alice.mouse.move(60, 120, { steps: 5 });
          await alice.mouse.up();
          await untilIn("top left");
          await alice.getByRole("button", { name: /end call/i }).click();
          await waitForCallState(bob, "idle");
        },
      );
    } finally {
      await browser?.close();
      await app.stop();
    }
  },
});
