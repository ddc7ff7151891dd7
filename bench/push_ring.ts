/**
 * Ringing a closed browser, measured: from `call:request` sent to the
 * server (a client on loopback) to the ring shown in Firefox ESR, through
 * the app's Web Push (VAPID, aes128gcm) and the push service stand-in
 * speaking Mozilla's protocol to Firefox; every page of the app closed but
 * one hidden tab that reads the notifications. And what an installable app
 * costs: the service worker's and the manifest's bytes.
 */
import { gzipSync } from "node:zlib";
import { befriend, joinAs, person } from "../tests/support/accounts.ts";
import { startPushApp } from "../tests/support/push_app.ts";
import { pushFirefox, untilShownIn } from "../tests/support/push_firefox.ts";
import { startPushService } from "../tests/support/push_service.ts";
import { TestClient } from "../tests/support/ws_client.ts";
import { median, ROOT } from "./support.ts";

/** What the push benchmark found. */
export interface PushBench {
  rings: number;
  medianMs: number;
  samplesMs: number[];
  serviceWorkerGzipBytes: number;
  manifestBytes: number;
}

/** Each caller's rings at once: the server's limit is 3. */
const RINGS_PER_CALLER = 3;

/** Rings bob's closed Firefox `rings` times. */
export async function pushBench(
  rings: number,
  log: (message: string) => void,
): Promise<PushBench> {
  log(`push: ${rings} rings of a closed Firefox`);
  const service = await startPushService();
  const { app, store, close } = await startPushApp(service);
  const callers: TestClient[] = [];
  const samples: number[] = [];
  let firefox;
  try {
    const bob = await person(store, "bob");
    firefox = await pushFirefox(service, app.http, bob.cookie);
    await firefox.turnRingingOn();
    const reader = await firefox.open("/healthz", true);
    for (let i = 0; i < Math.ceil(rings / RINGS_PER_CALLER); i++) {
      const caller = await person(store, `caller${i}`);
      await befriend(app, caller, bob);
      callers.push(await joinAs(app, caller));
    }
    for (let i = 0; i < rings; i++) {
      const caller = callers[Math.floor(i / RINGS_PER_CALLER)];
      const started = performance.now();
      caller.send("call:request", {
        to: bob.userId,
        hasVideo: true,
        hasAudio: true,
      });
      const shown = await untilShownIn(
        reader,
        (all) => all.some((n) => n.title.startsWith("Incoming")),
      );
      if (!shown.some((n) => n.title.startsWith("Incoming"))) {
        throw new Error(`ring ${i + 1} was not shown`);
      }
      samples.push(performance.now() - started);
      caller.send("call:end", { to: bob.userId });
      // The missed call replaces the ring; it is closed before the next.
      await untilShownIn(
        reader,
        (all) => all.some((n) => n.title.startsWith("Missed")),
      );
      await reader.evaluate(`navigator.serviceWorker.getRegistration()
        .then((r) => r.getNotifications())
        .then((all) => all.forEach((n) => n.close()))`);
    }
  } finally {
    for (const caller of callers) await caller.close();
    await firefox?.close();
    await close();
    await service.close();
  }
  const worker = await Deno.readFile(`${ROOT}/static/sw.js`);
  return {
    rings,
    medianMs: Math.round(median(samples)),
    samplesMs: samples.map(Math.round),
    serviceWorkerGzipBytes: gzipSync(worker, { level: 9 }).length,
    manifestBytes:
      (await Deno.readFile(`${ROOT}/static/manifest.webmanifest`)).length,
  };
}

if (import.meta.main) {
  console.log(
    JSON.stringify(
      await pushBench(Number(Deno.args[0] ?? 10), console.error),
      null,
      2,
    ),
  );
}
