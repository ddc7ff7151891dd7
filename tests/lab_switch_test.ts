/**
 * A network that changes under a call, in the network lab: mid-call one
 * side moves to another network (its old link and address gone, a new
 * address behind another router), as a phone walking from Wi-Fi to
 * cellular. Media must come back by itself on both sides, and the page say
 * "In call" again; each way round: the caller moves, the callee moves; with
 * Firefox on either side, the one that moves; and both sides at once.
 */
import assert from "node:assert/strict";
import { type CallPage, untilStatus } from "./support/call_page.ts";
import {
  CERTUTIL,
  CHROMIUM,
  COTURN,
  FIREFOX,
  needsLab,
} from "./support/environment.ts";
import {
  openLabCalls,
  placeCall,
  untilVideoBack,
} from "./support/lab/calls.ts";
import type { HostName, NetworkName } from "./support/lab/network.ts";

/** How long after a move media may take to come back before the test calls it lost. */
const GIVE_UP_MS = 30_000;

const MOVES: {
  name: string;
  hosts: [HostName, HostName];
  engines: [CallPage["engine"], CallPage["engine"]];
  /** Who moves, and to which network: one side, or both at once. */
  moves: [0 | 1, NetworkName][];
}[] = [
  {
    name: "the caller moves to another network",
    hosts: ["home1a", "home2"],
    engines: ["chromium", "chromium"],
    moves: [[0, "sym1"]],
  },
  {
    name: "the callee moves to another network",
    hosts: ["home1b", "home2"],
    engines: ["chromium", "chromium"],
    moves: [[1, "sym2"]],
  },
  {
    name: "Firefox calls Chromium, and Firefox moves to another network",
    hosts: ["sym1", "home2"],
    engines: ["firefox", "chromium"],
    moves: [[0, "home1"]],
  },
  {
    name: "Chromium calls Firefox, and Firefox moves to another network",
    hosts: ["sym2", "home2"],
    engines: ["chromium", "firefox"],
    moves: [[1, "home1"]],
  },
  {
    name: "both sides move to other networks at once",
    hosts: ["home1a", "home1b"],
    engines: ["chromium", "chromium"],
    moves: [[0, "home2"], [1, "sym2"]],
  },
];

Deno.test({
  name:
    "lab: a call survives one side moving to another network, each way round",
  ignore: needsLab(CHROMIUM, FIREFOX, CERTUTIL, COTURN),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const calls = await openLabCalls();
    try {
      for (const [index, move] of MOVES.entries()) {
        await t.step(move.name, async () => {
          const [alice, bob] = [`alice${index}`, `bob${index}`];
          const caller = await calls.signIn(move.hosts[0], alice, {
            engine: move.engines[0],
          });
          const callee = await calls.signIn(move.hosts[1], bob, {
            engine: move.engines[1],
          });
          try {
            await placeCall(caller, alice, callee, bob);
            const moved = Date.now();
            for (const [mover, to] of move.moves) {
              calls.lab.moveHost(move.hosts[mover], to);
            }
            const gaps = await Promise.all(
              [caller, callee].map((page) =>
                untilVideoBack(page, moved, GIVE_UP_MS)
              ),
            );
            console.log(
              `${move.name}: video back after ${
                gaps.join(" / ")
              } ms (caller / callee)`,
            );
            await untilStatus(caller, `In call with ${bob}`);
            await untilStatus(callee, `In call with ${alice}`);
            await caller.press("End call");
            await untilStatus(callee, `${alice} ended the call`);
            assert.ok(gaps.every((gap) => gap < GIVE_UP_MS));
          } finally {
            await caller.close();
            await callee.close();
          }
        });
      }
    } finally {
      await calls.close();
    }
  },
});
