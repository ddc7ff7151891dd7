/**
 * Verified calls in real browsers: both sides read the same code; a key
 * marked verified is "Verified" on the next call and a changed one is
 * warned of; and a real man in the middle, a third browser page that
 * answers the caller and calls the callee itself while the signaling relay
 * passes its descriptions off as theirs, gives the two sides different
 * codes although media flows.
 */
import assert from "node:assert/strict";
import { startAppProcess } from "./support/app_process.ts";
import { launchChromium } from "./support/browser.ts";
import {
  answeredCall,
  type CallPage,
  join,
  keyStatusOf,
  openJoined,
  untilFramesShown,
  untilStatus,
  verificationCodeOf,
} from "./support/call_page.ts";
import { CHROMIUM, needsService } from "./support/environment.ts";
import { manInTheMiddle } from "./support/man_in_the_middle.ts";
import { startSignalingRelay } from "./support/signaling_relay.ts";

async function hangUp(alice: CallPage, bob: CallPage): Promise<void> {
  await alice.press("End call");
  await untilStatus(bob, "alice ended the call");
}

/** Forgets the page's lasting certificate, as clearing the site's data would. */
function forgetCertificate(page: CallPage): Promise<unknown> {
  return page.evaluate(() =>
    new Promise((resolve) => {
      const deleting = indexedDB.deleteDatabase("nexus-call");
      deleting.onsuccess = deleting.onerror = deleting.onblocked = resolve;
    })
  );
}

Deno.test({
  name:
    "browser: both sides read the same code; a verified key is Verified next call, a changed one is warned of",
  ignore: needsService(CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await startAppProcess({});
    const chromium = await launchChromium();
    const alice = await openJoined(chromium, app.http, "alice");
    const bob = await openJoined(chromium, app.http, "bob");
    try {
      let firstCode = "";
      await t.step(
        "the first call: the same code on both sides, marked verified",
        async () => {
          await answeredCall(alice, "alice", bob, "bob");
          firstCode = await verificationCodeOf(alice);
          assert.equal(
            await alice.evaluate(async () => {
              const pc = (window as unknown as {
                __peerConnections: RTCPeerConnection[];
              }).__peerConnections.at(-1)!;
              return [...(await pc.getStats()).values()]
                .filter((report) => report.type === "certificate").length;
            }),
            2,
            "Chromium reports both certificates of the transport, the code's source",
          );
          assert.equal(await verificationCodeOf(bob), firstCode);
          assert.equal(await keyStatusOf(alice), "", "nothing verified yet");
          await alice.press("Mark as verified");
          await bob.press("Mark as verified");
          assert.equal(
            await keyStatusOf(alice),
            "✓ Verified: bob's security key is the one you checked.",
          );
          await hangUp(alice, bob);
        },
      );
      await t.step(
        "the next call, after a reload: the same keys, Verified on both sides",
        async () => {
          await bob.reload();
          await join(bob, "bob");
          await answeredCall(alice, "alice", bob, "bob");
          assert.equal(await verificationCodeOf(alice), firstCode);
          assert.equal(await verificationCodeOf(bob), firstCode);
          assert.match(
            await keyStatusOf(alice),
            /Verified: bob's security key/,
          );
          assert.match(
            await keyStatusOf(bob),
            /Verified: alice's security key/,
          );
          await hangUp(alice, bob);
        },
      );
      await t.step(
        "bob's stored certificate cleared: alice is warned, and the code is new",
        async () => {
          await forgetCertificate(bob);
          await bob.reload();
          await join(bob, "bob");
          await answeredCall(alice, "alice", bob, "bob");
          const code = await verificationCodeOf(alice);
          assert.notEqual(code, firstCode);
          assert.equal(await verificationCodeOf(bob), code);
          assert.equal(
            await keyStatusOf(alice),
            "bob's security key changed: compare the code again.",
          );
          assert.equal(
            await alice.evaluate(() =>
              document.querySelector('[role="alert"]')?.textContent
            ),
            "bob's security key changed: compare the code again.",
          );
          assert.match(await keyStatusOf(bob), /Verified: alice's/);
          await hangUp(alice, bob);
        },
      );
    } finally {
      await alice.close();
      await bob.close();
      await chromium.close();
      await app.stop();
    }
  },
});

Deno.test({
  name:
    "browser: a man in the middle of the signaling makes a call that works, and the two codes differ",
  ignore: needsService(CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await startAppProcess({});
    const chromium = await launchChromium();
    const attack = await manInTheMiddle(chromium, app.http, "alice", "bob");
    const relay = attack.relay = startSignalingRelay(app.http, attack.divert);
    const alice = await openJoined(chromium, relay.http, "alice");
    const bob = await openJoined(chromium, relay.http, "bob");
    try {
      await t.step("through the relay, honest: the same code", async () => {
        await answeredCall(alice, "alice", bob, "bob");
        assert.equal(
          await verificationCodeOf(alice),
          await verificationCodeOf(bob),
        );
        await hangUp(alice, bob);
      });
      await t.step(
        "the relay hands the call to a third page: media flows, the codes differ",
        async () => {
          attack.attacking = true;
          await answeredCall(alice, "alice", bob, "bob");
          // The attacker's page forwards each side's camera to the other.
          await untilFramesShown(alice, 10);
          await untilFramesShown(bob, 10);
          const aliceCode = await verificationCodeOf(alice);
          const bobCode = await verificationCodeOf(bob);
          assert.notEqual(aliceCode, bobCode);
          assert.deepEqual(relay.failures, [], "the attack went as planned");
          await hangUp(alice, bob);
        },
      );
    } finally {
      await alice.close();
      await bob.close();
      await attack.page.context().close();
      await chromium.close();
      await relay.close();
      await app.stop();
    }
  },
});
