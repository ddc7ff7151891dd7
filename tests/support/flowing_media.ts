/**
 * Media arriving on a fake connection, as the peer link's stall watch reads
 * it: what the tests of a path that stalls and comes back share.
 */
import {
  STALL_CHECK_MS,
  STALL_CHECKS,
} from "../../lib/page/call/media_watch.ts";
import type { FakePeerConnection } from "./fake_webrtc.ts";
import type { ManualTimers } from "./manual_timers.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Connects `pc` with media arriving, and drives its inbound packet counter
 * with `timers`: `stall` stops it for as long as the watch takes to notice,
 * `flow` starts it again for one reading.
 */
export async function flowingMedia(
  { pc, timers }: { pc: FakePeerConnection; timers: ManualTimers },
) {
  let packets = 0;
  (pc as unknown as { getStats(): Promise<Map<string, unknown>> })
    .getStats = () =>
      Promise.resolve(
        new Map([["in", { type: "inbound-rtp", packetsReceived: packets }]]),
      );
  pc.setState("connected");
  const reading = async () => {
    timers.advance(STALL_CHECK_MS);
    await settle();
  };
  for (const count of [10, 20]) {
    packets = count;
    await reading();
  }
  return {
    stall: async () => {
      for (let i = 0; i < STALL_CHECKS; i++) await reading();
    },
    flow: async () => {
      packets += 10;
      await reading();
    },
  };
}
