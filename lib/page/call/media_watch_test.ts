/**
 * The media watch over a packet counter the test moves, with manual timers:
 * a stall after three quiet readings, once; flowing again when packets come
 * back; never a stall on a path that carried nothing.
 * @module
 */
import assert from "node:assert/strict";
import { ManualTimers } from "../../../tests/support/manual_timers.ts";
import { MediaWatch, STALL_CHECK_MS, STALL_CHECKS } from "./media_watch.ts";

/** A watch over `packets`, recording what it reported. */
function watch() {
  const timers = new ManualTimers();
  const counter = { packets: 0 };
  const said: string[] = [];
  const media = new MediaWatch(timers, () => Promise.resolve(counter.packets), {
    stalled: () => said.push("stalled"),
    flowing: () => said.push("flowing"),
  });
  /** Moves time one reading on and lets the reading finish. */
  const tick = async (packets = counter.packets) => {
    counter.packets = packets;
    timers.advance(STALL_CHECK_MS);
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { media, said, tick, timers };
}

Deno.test("media watch: packets that stop for three readings are a stall, said once; their return is said too", async () => {
  const w = watch();
  await w.tick(50);
  await w.tick(100);
  for (let i = 0; i < STALL_CHECKS - 1; i++) await w.tick();
  assert.deepEqual(w.said, []);
  await w.tick();
  await w.tick();
  assert.deepEqual(w.said, ["stalled"]);
  await w.tick(120);
  assert.deepEqual(w.said, ["stalled", "flowing"]);
});

Deno.test("media watch: a path that never carried media never stalls; stop ends the readings", async () => {
  const w = watch();
  for (let i = 0; i < STALL_CHECKS * 3; i++) await w.tick(0);
  assert.deepEqual(w.said, []);
  w.media.stop();
  assert.equal(w.timers.size, 0);
});
