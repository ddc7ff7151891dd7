/**
 * An answer that comes after the caller's answer timer ran out, in real
 * browsers: a signaling relay holds the callee's answer back past
 * `ANSWER_TIMEOUT_MS`, as a loaded callee or a slow path would. The caller
 * sends its offer again meanwhile; the late answer, when it comes, must
 * still be the answer to the offer the caller is waiting on, and the callee
 * takes the offer sent again without harm. Chromium with Chromium, and
 * Firefox on either side.
 */
import assert from "node:assert/strict";
import { ANSWER_TIMEOUT_MS } from "../lib/page/call/path_recovery.ts";
import { startAppProcess } from "./support/app_process.ts";
import { launchChromium } from "./support/browser.ts";
import {
  answeredCall,
  openJoined,
  untilMediaFlows,
  untilStatus,
} from "./support/call_page.ts";
import { CHROMIUM, FIREFOX, needsService } from "./support/environment.ts";
import { launchFirefox } from "./support/firefox.ts";
import { startSignalingRelay } from "./support/signaling_relay.ts";

Deno.test({
  name:
    "browser: a callee's answer held back past the caller's answer timer still connects the call, media both ways",
  ignore: needsService(CHROMIUM, FIREFOX),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await startAppProcess({});
    let heldAnswers = 0;
    const offers = new Set<string>();
    const relay = startSignalingRelay(app.http, async (user, frame) => {
      if (user === "alice" && frame.type === "webrtc:offer") {
        offers.add((frame.payload.offer as RTCSessionDescriptionInit).sdp!);
      }
      if (user === "bob" && frame.type === "webrtc:answer" && !heldAnswers++) {
        // Every frame bob sends after it waits behind it, as on one socket.
        await new Promise((resolve) =>
          setTimeout(resolve, ANSWER_TIMEOUT_MS + 1_500)
        );
      }
      return false;
    });
    const chromium = await launchChromium();
    const firefox = await launchFirefox();
    try {
      const ways = [
        { name: "Chromium calls Chromium", from: chromium, to: chromium },
        { name: "Chromium calls Firefox", from: chromium, to: firefox },
        { name: "Firefox calls Chromium", from: firefox, to: chromium },
      ];
      for (const way of ways) {
        await t.step(way.name, async () => {
          heldAnswers = 0;
          offers.clear();
          const alice = await openJoined(way.from, relay.http, "alice");
          const bob = await openJoined(way.to, relay.http, "bob");
          try {
            await answeredCall(alice, "alice", bob, "bob");
            await untilMediaFlows(alice, bob);
            assert.equal(heldAnswers > 1, true, "the offer went again");
            // Its local description has gained the candidates since: the offer as sent.
            assert.equal(offers.size, 1, "the offer went again unchanged");
            assert.deepEqual(relay.failures, []);
            await alice.press("End call");
            await untilStatus(bob, "alice ended the call");
          } finally {
            await alice.close();
            await bob.close();
          }
        });
      }
    } finally {
      await firefox.close();
      await chromium.close();
      await relay.close();
      await app.stop();
    }
  },
});
