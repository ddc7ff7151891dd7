/**
 * Nexus Call's service worker: rings this browser when the server pushes a
 * call and no page of the app is visible, and stops ringing when the server
 * pushes the ring's end. What a push holds is `PushMessage` in
 * lib/push/push_message.ts: { kind: "ring", call, from, video, until } or
 * { kind: "stop", call, from, missed }. Each call's notification is tagged
 * with its id, so its end closes it (or turns it into "Missed call").
 *
 * Accept leaves an answer intent in Cache Storage for the page it opens,
 * which answers only a ring from the same caller within a minute: a link or
 * another site cannot make a page answer. Decline is posted to the
 * server with this browser's cookie; no page opens.
 */
const INTENTS = "nexus-call-intents";
const ANSWER = "/answer-intent";
const ICON = "/icons/icon-192.png";
/** How far this device's clock may be behind or ahead of the server's. */
const CLOCK_LEEWAY_MS = 30_000;

/** Whether a ring's end, by the server's clock, has surely passed. */
function over(ring) {
  return ring.until + CLOCK_LEEWAY_MS <= Date.now();
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

/** The app's open windows, controlled by this worker or not yet. */
function pages() {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true });
}

self.addEventListener("push", (event) => {
  let message;
  try {
    message = event.data.json();
  } catch {
    return;
  }
  if (message?.kind === "ring") event.waitUntil(ring(message));
  else if (message?.kind === "stop") event.waitUntil(stop(message));
});

/** Whether a page of the app is in sight: it rings, and says what was missed, itself. */
async function pageInSight() {
  return (await pages()).some((page) => page.visibilityState === "visible");
}

/**
 * Shows the ring, unless it is over or a visible page rings already. Rings
 * whose end never came (its push lost) are closed first: Firefox shows at
 * most three that wait for the person at once.
 */
async function ring(message) {
  for (const shown of await self.registration.getNotifications()) {
    if (shown.data?.kind === "ring" && over(shown.data)) {
      shown.close();
    }
  }
  if (over(message) || await pageInSight()) return;
  await self.registration.showNotification(
    `Incoming ${message.video ? "video" : "audio"} call from ${
      message.name ?? message.from
    }`,
    {
      tag: message.call,
      body: "Nexus Call",
      icon: ICON,
      requireInteraction: true,
      actions: [
        { action: "accept", title: "Accept" },
        { action: "decline", title: "Decline" },
      ],
      data: message,
    },
  );
}

/** Closes the ring; a missed call is shown in its place, under a tag of its own. */
async function stop(message) {
  const shown = await self.registration.getNotifications({ tag: message.call });
  for (const notification of shown) notification.close();
  if (!message.missed || await pageInSight()) return;
  await self.registration.showNotification(
    `Missed call from ${message.name ?? message.from}`,
    {
      tag: `missed:${message.call}`,
      body: "Nexus Call",
      icon: ICON,
      data: message,
    },
  );
}

self.addEventListener("notificationclick", (event) => {
  const message = event.notification.data;
  event.notification.close();
  if (message?.kind !== "ring") {
    event.waitUntil(open("/history"));
  } else if (event.action === "decline") {
    event.waitUntil(decline(message));
  } else {
    event.waitUntil(
      (event.action === "accept" ? intendToAnswer(message) : Promise.resolve())
        .then(() => open("/")),
    );
  }
});

/** Declines the call at the server, as the signed-in browser. */
function decline(message) {
  return fetch("/auth/push/decline", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ call: message.call }),
  });
}

/** Leaves the page to open an answer for this caller's ring. */
async function intendToAnswer(message) {
  const intents = await caches.open(INTENTS);
  await intents.put(
    ANSWER,
    new Response(JSON.stringify({ from: message.from, at: Date.now() })),
  );
}

/** Focuses a page of the app at `path` (loading it anew) or opens one. */
async function open(path) {
  const url = new URL(path, self.location.origin).href;
  const page = (await pages()).find((client) => "focus" in client);
  if (page) {
    const focused = await page.focus();
    if ("navigate" in focused) {
      try {
        await focused.navigate(url);
        return;
      } catch {
        // A page this worker does not control cannot be sent elsewhere.
      }
    }
    return;
  }
  await self.clients.openWindow(url);
}
