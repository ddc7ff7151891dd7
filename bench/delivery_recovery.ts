/**
 * The delivery layer's recovery, measured: a page in a call whose socket
 * dies silently (a proxy between it and the server stops passing anything,
 * both ways, and tells nobody), and a message written into that socket at
 * the same moment, by the page itself or by the server for its peer. The
 * time from the death to the message reaching the other side, over the
 * page's next socket: the page's own session code (`server_connection.ts`)
 * as scripted clients, the server in its own process.
 *
 * - **From the page**: what it sent goes unacknowledged, so it asks after
 *   `UNACKED_DEADLINE_MS` and, unanswered as long again, dials anew.
 * - **From the server**: the page has nothing to say, so its heartbeat in a
 *   call (`URGENT_HEARTBEAT_MS`, answered within `UNACKED_DEADLINE_MS`)
 *   finds the socket dead; the death comes at a random moment of it.
 */
import type { ClientMessage } from "../lib/wire/protocol.ts";
import { URGENT_HEARTBEAT_MS } from "../lib/page/call/reconnect_timing.ts";
import { startAppProcess } from "../tests/support/app_process.ts";
import { startFaultProxy } from "../tests/support/fault_proxy.ts";
import { PageClient } from "../tests/support/page_client.ts";
import { median } from "./support.ts";

/** What the recovery benchmark found. */
export interface DeliveryRecoveryBench {
  pairs: number;
  /** From the death of the page's socket to its message reaching the peer. */
  fromPage: { medianMs: number; samplesMs: number[] };
  /** From the death of the page's socket to the server's message for it reaching it. */
  fromServer: { medianMs: number; samplesMs: number[] };
}

function candidate(to: string, tag: string): ClientMessage {
  return {
    type: "webrtc:candidate",
    payload: {
      to,
      candidate: { candidate: tag, sdpMid: "0", sdpMLineIndex: 0 },
      tag,
    },
  } as ClientMessage;
}

/** A call between `page` (behind its own proxy) and `peer`, then `page`'s socket killed silently. */
async function recovery(
  port: number,
  i: number,
  fromPage: boolean,
): Promise<number> {
  const proxy = startFaultProxy(port, {
    seed: 1,
    chance: 0,
    withinMs: 0,
    longestMs: 0,
  });
  const page = new PageClient(`page${i}`, proxy.port, true);
  const peer = new PageClient(`peer${i}`, port, true);
  try {
    await Promise.all([page.ready(), peer.ready()]);
    page.send({
      type: "call:request",
      payload: { to: peer.userId, hasVideo: true, hasAudio: true, tag: "ring" },
    } as ClientMessage);
    await peer.heardTag("ring");
    peer.send({
      type: "call:response",
      payload: { to: page.userId, accepted: true, tag: "accepted" },
    } as ClientMessage);
    await page.heardTag("accepted");
    // Anywhere in the page's heartbeat: the server side depends on where.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.random() * URGENT_HEARTBEAT_MS)
    );
    const died = performance.now();
    proxy.blackhole();
    if (fromPage) page.send(candidate(peer.userId, "lost"));
    else peer.send(candidate(page.userId, "lost"));
    await (fromPage ? peer : page).heardTag("lost", 60_000);
    return Math.round(performance.now() - died);
  } finally {
    page.session.close();
    peer.session.close();
    await proxy.stop();
  }
}

/** `pairs` calls each way, all at once, each page's socket killed at its own moment. */
export async function deliveryRecoveryBench(
  pairs: number,
  log: (message: string) => void,
): Promise<DeliveryRecoveryBench> {
  log(`delivery recovery: ${pairs} silent deaths each way`);
  // Every client comes from 127.0.0.1, and a dead socket counts until the server finds it dead.
  const app = await startAppProcess({
    NEXUS_PRESENCE: "off",
    NEXUS_MAX_CONNECTIONS_PER_IP: "5000",
  });
  try {
    const run = (fromPage: boolean, offset: number) =>
      Promise.all(
        Array.from(
          { length: pairs },
          (_, i) => recovery(app.port, offset + i, fromPage),
        ),
      );
    const [page, server] = await Promise.all([run(true, 0), run(false, pairs)]);
    return {
      pairs,
      fromPage: { medianMs: median(page), samplesMs: page },
      fromServer: { medianMs: median(server), samplesMs: server },
    };
  } finally {
    await app.stop();
  }
}

if (import.meta.main) {
  console.log(
    JSON.stringify(
      await deliveryRecoveryBench(Number(Deno.args[0] ?? 5), console.error),
    ),
  );
  Deno.exit(0);
}
