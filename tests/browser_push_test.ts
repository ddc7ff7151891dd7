/**
 * Ringing a closed Chromium, in accounts mode: the server's real pushes
 * (taken by the push service stand-in and decrypted there, since Chromium's
 * own subscribe needs Google's push service) are delivered to bob's service
 * worker with CDP `ServiceWorker.deliverPushMessage`, with every page of
 * the app closed. The ring shows as a notification with Accept and Decline;
 * Decline ends the call for the caller without a page; the end of a ring
 * closes it, a missed call replaces it; a visible page means no
 * notification; Accept leaves the page it opens the answer to give. The
 * app is installable (`Page.getInstallabilityErrors`).
 *
 * And Firefox ESR end to end: it subscribes from Settings at the push
 * service stand-in, which speaks Mozilla's push protocol to it, and a real
 * call's ring and its end arrive with every page of the app closed.
 */
import assert from "node:assert/strict";
import type { BrowserContext, CDPSession, Page } from "playwright-core";
import type { PushMessage } from "../lib/push/push_message.ts";
import { befriend, joinAs, person, post } from "./support/accounts.ts";
import type { AppProcess } from "./support/app_process.ts";
import { startPushApp } from "./support/push_app.ts";
import {
  CHROMIUM_FLAGS,
  holdSession,
  waitForStatus,
} from "./support/browser.ts";
import { CHROMIUM, FIREFOX, needsService } from "./support/environment.ts";
import {
  type PushFirefox,
  pushFirefox,
  type Shown,
  untilShownIn,
} from "./support/push_firefox.ts";
import {
  decryptPush,
  startPushService,
  subscriptionKeys,
} from "./support/push_service.ts";
import { TestClient } from "./support/ws_client.ts";

/** bob's Chromium: one persistent profile (installability is never checked in incognito). */
interface Profile {
  context: BrowserContext;
  cdp: CDPSession;
  /** The service worker's registration id, as CDP names it. */
  registrationId: () => string;
}

async function openProfile(app: AppProcess, cookie: string): Promise<Profile> {
  const { chromium } = await import("playwright-core");
  const dir = await Deno.makeTempDir({ prefix: "nexus-chromium-profile-" });
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM.path,
    args: CHROMIUM_FLAGS,
    // As every test's browser (support/browser.ts): the call's controls stay.
    reducedMotion: "reduce",
  });
  context.on(
    "close",
    () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  );
  // bob allowed notifications when he turned ringing on (Settings asks then).
  await context.grantPermissions(["notifications"], { origin: app.http });
  await holdSession(context, app.http, cookie);
  // A page of another origin keeps CDP's session when the app's pages close.
  const blank = context.pages()[0] ?? await context.newPage();
  const cdp = await context.newCDPSession(blank);
  let registrationId = "";
  cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
    for (const registration of registrations) {
      if (
        registration.scopeURL.startsWith(app.http) && !registration.isDeleted
      ) {
        registrationId = registration.registrationId;
      }
    }
  });
  await cdp.send("ServiceWorker.enable");
  return { context, cdp, registrationId: () => registrationId };
}

/** Delivers `message` to bob's service worker, as his push service would. */
async function deliver(
  profile: Profile,
  app: AppProcess,
  message: PushMessage,
): Promise<void> {
  await profile.cdp.send("ServiceWorker.deliverPushMessage", {
    origin: new URL(app.http).origin,
    registrationId: profile.registrationId(),
    data: JSON.stringify(message),
  });
}

/**
 * Delivers `message` until what bob's browser shows satisfies `check`, as a
 * push service does with a push the browser has not taken: Chromium has,
 * once in several full runs, dropped a push CDP handed a worker that was
 * stopping. The ring and its end are idempotent (a tag is replaced, a
 * closed notification closed again), so a push taken twice shows once.
 * Says so when it had to deliver again.
 */
async function deliverUntil(
  profile: Profile,
  app: AppProcess,
  message: PushMessage,
  check: (all: Shown[]) => boolean,
  what: string,
): Promise<Shown[]> {
  for (let attempt = 1;; attempt++) {
    await deliver(profile, app, message);
    try {
      return await untilShown(profile, check, what, 3_000);
    } catch (error) {
      if (attempt === 3) throw error;
      console.log(`${what}: not shown 3 s after the push, delivered again`);
    }
  }
}

/** Runs `script` in bob's service worker (started if it sleeps). */
async function inWorker<T>(profile: Profile, script: string): Promise<T> {
  let worker = profile.context.serviceWorkers()[0];
  if (!worker) {
    worker = await profile.context.waitForEvent("serviceworker", {
      timeout: 10_000,
    });
  }
  return await worker.evaluate(script) as T;
}

/** The notifications bob's browser shows now. */
function shown(profile: Profile): Promise<Shown[]> {
  return inWorker(
    profile,
    `self.registration.getNotifications().then((all) => all.map((n) => ({
      title: n.title, tag: n.tag, requireInteraction: n.requireInteraction,
      actions: n.actions.map((a) => a.action),
    })))`,
  );
}

/** Waits until `check` holds of what bob's browser shows. */
async function untilShown(
  profile: Profile,
  check: (all: Shown[]) => boolean,
  what: string,
  waitMs = 10_000,
): Promise<Shown[]> {
  const deadline = Date.now() + waitMs;
  let all = await shown(profile);
  while (!check(all)) {
    if (Date.now() > deadline) {
      const pages = await inWorker(
        profile,
        `self.clients.matchAll({ type: "window", includeUncontrolled: true })
          .then((all) => all.map((c) => c.url + " " + c.visibilityState)
          .concat(Notification.permission))`,
      );
      throw new Error(
        `${what}: shown ${JSON.stringify(all)}; pages ${JSON.stringify(pages)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    all = await shown(profile);
  }
  return all;
}

Deno.test({
  name:
    "browser: a closed Chromium rings from a push (Accept, Decline), stops ringing, shows a missed call, not over a visible page; installable",
  ignore: needsService(CHROMIUM),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const service = await startPushService();
    const { app, store, close } = await startPushApp(service);
    let profile: Profile | undefined;
    const clients: TestClient[] = [];
    try {
      const [alice, bob, carol] = await Promise.all(
        ["alice", "bob", "carol"].map((name) => person(store, name)),
      );
      await befriend(app, alice, bob);
      await befriend(app, carol, bob);
      // bob's browser subscribes at the stand-in: the server pushes there, and
      // each push it takes is what the test hands Chromium.
      const keys = subscriptionKeys();
      const subscribed = await post(app, "push/subscribe", {
        endpoint: service.endpoint(),
        keys: keys.keys,
      }, { cookie: bob.cookie });
      assert.equal(subscribed.status, 200);
      let pushes = 0;
      const nextPush = async () =>
        await decryptPush(await service.nth(++pushes), keys) as PushMessage;
      const caller = await joinAs(app, alice);
      clients.push(caller);
      const call = (video = true) =>
        caller.send("call:request", {
          to: bob.userId,
          hasVideo: video,
          hasAudio: true,
        });

      profile = await openProfile(app, bob.cookie);
      const settings: Page = await profile.context.newPage();

      await t.step(
        "the app is installable, and Settings registers the service worker and offers the toggle",
        async () => {
          await settings.goto(`${app.http}/settings`);
          await settings.getByRole("region", {
            name: "Ring when Nexus Call is closed",
          }).waitFor();
          await settings.getByRole("checkbox", {
            name: "Ring this browser when Nexus Call is closed",
          }).waitFor();
          await settings.getByText(/Add to Home Screen/).waitFor();
          const page = await profile!.context.newCDPSession(settings);
          const { installabilityErrors } = await page.send(
            "Page.getInstallabilityErrors",
          );
          assert.deepEqual(installabilityErrors, []);
          const deadline = Date.now() + 10_000;
          while (!profile!.registrationId() && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          assert.ok(profile!.registrationId(), "the service worker registered");
          await settings.close();
        },
      );

      await t.step(
        "with every page closed, a ring shows: title, one tag per call, requireInteraction, Accept and Decline",
        async () => {
          call();
          const ring = await nextPush();
          assert.equal(ring.kind, "ring");
          const [notification] = await deliverUntil(
            profile!,
            app,
            ring,
            (all) => all.length === 1,
            "the ring",
          );
          assert.deepEqual(notification, {
            title: `Incoming video call from ${alice.userId}`,
            tag: ring.call,
            requireInteraction: true,
            actions: ["accept", "decline"],
          });
        },
      );

      await t.step(
        "Decline ends the call for the caller with no page opened; the end push closes the ring",
        async () => {
          await inWorker(
            profile!,
            `self.registration.getNotifications().then(([n]) =>
              self.dispatchEvent(new NotificationEvent("notificationclick", {
                notification: n, action: "decline" })))`,
          );
          const response = await caller.find("call:response");
          assert.equal(response.payload.accepted, false);
          assert.equal(response.payload.reason, "declined");
          const stop = await nextPush();
          assert.deepEqual(stop, {
            kind: "stop",
            call: stop.call,
            from: alice.userId,
            missed: false,
          });
          await deliver(profile!, app, stop);
          await untilShown(profile!, (all) => all.length === 0, "no ring");
          assert.equal(
            profile!.context.pages().filter((p) => p.url().startsWith(app.http))
              .length,
            0,
            "no page of the app opened",
          );
        },
      );

      await t.step(
        "the caller gives up: the ring becomes a missed call under the same tag",
        async () => {
          call(false);
          const ring = await nextPush();
          await deliverUntil(
            profile!,
            app,
            ring,
            (all) =>
              all[0]?.title === `Incoming audio call from ${alice.userId}`,
            "the audio ring",
          );
          caller.send("call:end", { to: bob.userId });
          const stop = await nextPush();
          assert.equal(stop.kind === "stop" && stop.missed, true);
          const [missed] = await deliverUntil(
            profile!,
            app,
            stop,
            (all) => all.length === 1 && all[0].title.startsWith("Missed"),
            "the missed call",
          );
          assert.equal(missed.title, `Missed call from ${alice.userId}`);
          assert.equal(missed.tag, `missed:${ring.call}`);
          assert.equal(missed.requireInteraction, false);
          await inWorker(
            profile!,
            `self.registration.getNotifications().then((all) => all.forEach((n) => n.close()))`,
          );
        },
      );

      await t.step(
        "Accept: the page that opens answers that ring, and only that one; over a visible page no notification shows",
        async () => {
          call();
          const ring = await nextPush();
          await deliverUntil(
            profile!,
            app,
            ring,
            (all) => all.length === 1,
            "the ring",
          );
          // A test's click cannot open a window: the click leaves its intent,
          // and the test opens the page the worker would have.
          await inWorker(
            profile!,
            `self.registration.getNotifications().then(([n]) =>
              self.dispatchEvent(new NotificationEvent("notificationclick", {
                notification: n, action: "accept" })))`,
          );
          await untilShown(profile!, (all) => all.length === 0, "closed");
          const page = await profile!.context.newPage();
          await page.goto(app.http);
          // alice is a bare socket with no media: the answer is what counts.
          const answered = await caller.find("call:response");
          assert.equal(answered.payload.accepted, true);
          const stop = await nextPush();
          assert.equal(stop.kind === "stop" && stop.missed, false);

          // The page is visible: a ring pushed now shows nothing (it rings
          // there). carol calls: alice has used her 3 rings at once.
          caller.send("call:end", { to: bob.userId });
          await waitForStatus(page, `${alice.userId} ended the call`);
          const second = await joinAs(app, carol);
          clients.push(second);
          second.send("call:request", {
            to: bob.userId,
            hasVideo: true,
            hasAudio: true,
          });
          const again = await nextPush();
          await waitForStatus(page, `${carol.userId} is calling you`);
          await deliver(profile!, app, again);
          // The worker has handled the push once a later message it gets is
          // answered: it handles events in order.
          await inWorker(profile!, "1");
          await new Promise((resolve) => setTimeout(resolve, 500));
          assert.deepEqual(await shown(profile!), []);
          // No intent is left over: the ring is not answered by itself.
          await new Promise((resolve) => setTimeout(resolve, 500));
          assert.match(
            await page.getByRole("status").first().textContent() ?? "",
            new RegExp(`${carol.userId} is calling you`),
          );
          second.send("call:end", { to: bob.userId });
          await page.close();
        },
      );
    } finally {
      for (const client of clients) await client.close();
      await profile?.context.close();
      await close();
      await service.close();
    }
  },
});

Deno.test({
  name:
    "browser: Firefox turns ringing on in Settings, a real push server rings it with every page closed; the caller gives up and the ring turns missed",
  ignore: needsService(FIREFOX),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const service = await startPushService();
    const { app, store, close } = await startPushApp(service);
    let firefox: PushFirefox | undefined;
    const clients: TestClient[] = [];
    try {
      const [alice, bob] = await Promise.all(
        ["alice", "bob"].map((name) => person(store, name)),
      );
      await befriend(app, alice, bob);
      firefox = await pushFirefox(service, app.http, bob.cookie);
      const { open } = firefox;

      await t.step(
        "Settings: the toggle asks, subscribes at the push server and lists this browser",
        async () => {
          await firefox!.turnRingingOn();
          const [record] = await store.push.list(bob.userId);
          assert.ok(record.endpoint.startsWith(`${service.origin}/push/`));
          assert.match(record.device, /Firefox/);
        },
      );

      const caller = await joinAs(app, alice);
      clients.push(caller);

      await t.step(
        "alice calls while every page of bob's is closed: Firefox shows the ring",
        async () => {
          caller.send("call:request", {
            to: bob.userId,
            hasVideo: true,
            hasAudio: true,
          });
          assert.equal(
            await service.acked(1),
            100,
            "decrypted and dispatched",
          );
          // Read from a hidden tab: a page in sight would ring itself instead.
          const reader = await open("/healthz", true);
          const [ring] = await untilShownIn(
            reader,
            (all) => all.length === 1,
          );
          assert.equal(ring?.title, `Incoming video call from ${alice.userId}`);
          assert.equal(ring.requireInteraction, true);
          // Accept and Decline where the browser shows actions.
          const maxActions = await reader.evaluate(
            `Notification.maxActions ?? 0`,
          ) as number;
          assert.deepEqual(
            ring.actions,
            maxActions > 0 ? ["accept", "decline"] : [],
          );
          assert.match(ring.tag, /^[0-9a-f-]{36}$/);
          await reader.close();
        },
      );

      await t.step(
        "alice gives up: the ring closes and the missed call shows",
        async () => {
          caller.send("call:end", { to: bob.userId });
          assert.equal(await service.acked(2), 100);
          const reader = await open("/healthz", true);
          const all = await untilShownIn(
            reader,
            (all) => all.length === 1 && all[0].title.startsWith("Missed"),
          );
          assert.deepEqual(all.map((n) => n.title), [
            `Missed call from ${alice.userId}`,
          ]);
          await reader.close();
        },
      );

      await t.step(
        "three more missed calls: each rings (Firefox keeps a slot of its 3 for a ring that another notification replaced by its tag)",
        async () => {
          const carol = await person(store, "carol");
          await befriend(app, carol, bob);
          const other = await joinAs(app, carol);
          clients.push(other);
          const reader = await open("/healthz", true);
          for (
            const [from, client] of [[alice, caller], [carol, other], [
              carol,
              other,
            ]] as const
          ) {
            client.send("call:request", {
              to: bob.userId,
              hasVideo: false,
              hasAudio: true,
            });
            const ringing = await untilShownIn(
              reader,
              (all) => all.some((n) => n.title.startsWith("Incoming")),
            );
            assert.ok(
              ringing.some((n) =>
                n.title === `Incoming audio call from ${from.userId}`
              ),
              JSON.stringify(ringing),
            );
            client.send("call:end", { to: bob.userId });
            await untilShownIn(
              reader,
              (all) => !all.some((n) => n.title.startsWith("Incoming")),
            );
          }
          const missed = await untilShownIn(reader, (all) => all.length === 4);
          assert.equal(
            missed.filter((n) => n.title.startsWith("Missed")).length,
            4,
          );
        },
      );
    } finally {
      for (const client of clients) await client.close();
      await firefox?.close();
      await close();
      await service.close();
    }
  },
});
