/**
 * A relay-only call through a real coturn: token mode, TURN REST credentials
 * from the server, and `NEXUS_ICE_TRANSPORT_POLICY=relay`, so the only way
 * media can flow is through the relay. A wrong secret fails in words.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { mintToken } from "../lib/signaling/auth.ts";
import { CHROMIUM, COTURN, needsService } from "./support/environment.ts";
import {
  launchChromium,
  openLink,
  selectedPair,
  waitForCallState,
  waitForRise,
  waitForStatus,
} from "./support/browser.ts";
import { startCoturn } from "./support/coturn.ts";
import { startAppProcess } from "./support/app_process.ts";

const JWT_SECRET = "jwt-secret-for-the-relay-test-0123456789";
const TURN_SECRET = "turn-secret-for-the-relay-test-012345678";

Deno.test({
  name: "browser: relay-only calls through coturn",
  ignore: needsService(CHROMIUM, COTURN),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    let coturn = await startCoturn(TURN_SECRET);
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      /** alice calls bob, who accepts unless `answer` is false. */
      const call = async (turnSecret: string, answer = true) => {
        const app = await startAppProcess({
          NEXUS_JWT_SECRET: JWT_SECRET,
          NEXUS_TURN_URLS: coturn.url,
          NEXUS_TURN_SECRET: turnSecret,
          NEXUS_ICE_TRANSPORT_POLICY: "relay",
        });
        const link = async (user: string) =>
          `${app.http}/?token=${await mintToken(JWT_SECRET, user, 600)}`;
        const alice = await openLink(browser!, await link("alice"), "alice");
        const bob = await openLink(browser!, await link("bob"), "bob");
        await alice.getByRole("button", { name: "bob", exact: true }).click();
        if (answer) await bob.getByRole("button", { name: /accept/i }).click();
        return {
          app,
          alice,
          bob,
          close: async () => {
            await alice.context().close();
            await bob.context().close();
            await app.stop();
          },
        };
      };

      await t.step(
        "the call connects through the relay on both sides",
        async () => {
          const { alice, bob, close } = await call(TURN_SECRET);
          try {
            await waitForStatus(alice, "In call with bob");
            await waitForStatus(bob, "In call with alice");
            for (const page of [alice, bob]) {
              await waitForRise(page, "video", "framesDecoded", 10);
              assert.deepEqual(await selectedPair(page), ["relay", "relay"]);
            }
            await alice.getByRole("button", { name: /end call/i }).click();
            await waitForCallState(bob, "idle");
          } finally {
            await close();
          }
        },
      );

      await t.step(
        "the relay restarts mid-call: an ICE restart brings the call back",
        async () => {
          const { alice, bob, close } = await call(TURN_SECRET);
          try {
            await waitForStatus(alice, "In call with bob");
            await waitForRise(bob, "video", "framesDecoded", 10);
            await coturn.stop();
            await waitForStatus(alice, "Reconnecting to bob", 20_000);
            coturn = await startCoturn(TURN_SECRET, coturn.port);
            await waitForStatus(alice, /^In call with bob$/, 25_000);
            for (const page of [alice, bob]) {
              await waitForRise(page, "video", "framesDecoded", 10);
              assert.deepEqual(await selectedPair(page), ["relay", "relay"]);
            }
            assert.ok(
              await alice.evaluate(() =>
                (window as unknown as {
                  __peerConnections: RTCPeerConnection[];
                }).__peerConnections.length === 1
              ),
              "the same peer connection recovered",
            );
            await alice.getByRole("button", { name: /end call/i }).click();
            await waitForCallState(bob, "idle");
          } finally {
            await close();
          }
        },
      );

      // The caller gathers while it rings: with no relay it knows at once that no path can
      // exist, and says so before anyone answers.
      await t.step(
        "a wrong TURN secret fails cleanly, in words, while it still rings",
        async () => {
          const { alice, bob, close } = await call(
            "a-different-turn-secret-0123456789abcdef",
            false,
          );
          try {
            await waitForStatus(
              alice,
              /the relay \(TURN\) server (refused this app's credentials|could not be used)/,
            );
            await waitForCallState(alice, "idle");
            await waitForCallState(bob, "idle");
          } finally {
            await close();
          }
        },
      );
    } finally {
      await browser?.close();
      await coturn.stop();
    }
  },
});
