/**
 * A call prepared while it rings, in the network lab, and the privacy line
 * it must keep: the callee's page takes the caller's offer while it rings,
 * yet nothing of the callee reaches the caller before Accept: no message on
 * the caller's socket, no candidate in its peer connection, no packet from
 * the callee's network at the caller's router. Accepted, the call connects
 * on the prepared connection; declined, what was prepared is closed.
 */
import assert from "node:assert/strict";
import type { Evaluates } from "./support/browser.ts";
import { untilFramesShown, untilStatus } from "./support/call_page.ts";
import { CHROMIUM, COTURN, needsLab } from "./support/environment.ts";
import { openLabCalls } from "./support/lab/calls.ts";

/** Runs in the caller's page first: keeps the type of every message its socket receives. */
const RECORD_SIGNALING = `
  window.__received = [];
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        window.__received.push(JSON.parse(event.data).type);
      });
    }
  };
`;

/** What a page's newest peer connection holds: its signaling state and remote candidates known. */
function connectionOf(page: Evaluates) {
  return page.evaluate(async () => {
    const pc = (window as unknown as { __peerConnections: RTCPeerConnection[] })
      .__peerConnections.at(-1);
    if (!pc) return null;
    let remoteCandidates = 0;
    (await pc.getStats()).forEach((report) => {
      if (report.type === "remote-candidate") remoteCandidates++;
    });
    return {
      signalingState: pc.signalingState,
      remote: pc.remoteDescription?.type ?? null,
      local: pc.localDescription?.type ?? null,
      remoteCandidates,
    };
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the ringing callee's page has taken the caller's offer. */
async function untilOfferTaken(callee: Evaluates): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await connectionOf(callee))?.remote !== "offer") {
    assert.ok(Date.now() < deadline, "the callee took the offer");
    await sleep(100);
  }
}

Deno.test({
  name:
    "lab: a call is prepared while it rings, and nothing of the callee reaches the caller before Accept",
  ignore: needsLab(CHROMIUM, COTURN),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const calls = await openLabCalls();
    const { lab } = calls;
    const wan = (name: string) =>
      lab.networks.find((network) => network.name === name)!.wan;
    try {
      await t.step(
        "ringing: the callee holds the caller's offer; the caller hears nothing of it, its router sees no packet from the callee's network; accepted, the call connects",
        async () => {
          const caller = await calls.signIn("home1a", "alice0", {
            before: RECORD_SIGNALING,
          });
          const callee = await calls.signIn("home2", "bob0");
          const fromCallee = lab.countArrivals("home1", wan("home2"));
          try {
            await caller.press("bob0");
            await untilStatus(callee, "alice0 is calling you");
            // The offer and the caller's candidates come with the ring.
            await untilOfferTaken(callee);
            await sleep(3_000);
            const heard = await caller.evaluate(() =>
              (window as unknown as { __received: string[] }).__received
            );
            assert.deepEqual(
              heard.filter((type) => type.startsWith("webrtc:")),
              [],
              "no answer or candidate of the callee reached the caller",
            );
            assert.equal((await connectionOf(caller))?.remoteCandidates, 0);
            assert.equal(
              fromCallee(),
              0,
              "no packet from the callee's network",
            );
            const held = await connectionOf(callee);
            assert.deepEqual(
              { state: held?.signalingState, local: held?.local },
              { state: "have-remote-offer", local: null },
              "the offer is held, not answered",
            );

            await callee.press("Accept call");
            for (const page of [caller, callee]) {
              await untilFramesShown(page, 10);
            }
            assert.ok(fromCallee() > 0, "media now comes from the callee");
            await caller.press("End call");
            await untilStatus(callee, "alice0 ended the call");
          } finally {
            await caller.close();
            await callee.close();
          }
        },
      );
      await t.step(
        "declined: the connection prepared while it rang is closed",
        async () => {
          const caller = await calls.signIn("home1a", "alice1");
          const callee = await calls.signIn("home2", "bob1");
          try {
            await caller.press("bob1");
            await untilStatus(callee, "alice1 is calling you");
            await untilOfferTaken(callee);
            await callee.press("Decline call");
            await untilStatus(caller, "bob1 declined the call");
            assert.equal(
              (await connectionOf(callee))?.signalingState,
              "closed",
            );
            assert.equal(
              (await connectionOf(caller))?.signalingState,
              "closed",
            );
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
