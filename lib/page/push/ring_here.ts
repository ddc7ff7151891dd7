/**
 * This browser's side of ringing when Nexus Call is closed: the service
 * worker (`/sw.js`), the notification permission (asked only when the
 * person turns ringing on) and the Web Push subscription, registered with
 * the account through `/auth/push/*`. Browser-only.
 * @module
 */
import { authCall } from "../sign_in/auth_call.ts";
import type { RingingBrowser } from "../../wire/push_api.ts";

/** The server's answer to every change: the browsers that ring now. */
interface BrowserList {
  browsers: RingingBrowser[];
}

/** Whether this browser can be rung while closed (service workers, Push API, notifications). */
export function pushSupported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in globalThis &&
    "Notification" in globalThis;
}

/** The app's service worker, registered if it is not yet, once it is active. */
async function worker(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register("/sw.js");
  return await navigator.serviceWorker.ready;
}

/** The endpoint's id as the server names it: SHA-256 of the endpoint, hex. */
async function endpointId(endpoint: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(endpoint),
  );
  return Array.from(
    new Uint8Array(digest),
    (byte) => byte.toString(16).padStart(2, "0"),
  ).join("");
}

/** The browsers that ring, and which of them (by id) is this one; null when this one does not. */
export async function ringingBrowsers(): Promise<{
  browsers: RingingBrowser[];
  here: string | null;
}> {
  const { browsers } = await authCall<BrowserList>("push/browsers");
  if (!pushSupported()) return { browsers, here: null };
  const subscription = await (await worker()).pushManager.getSubscription();
  const id = subscription && await endpointId(subscription.endpoint);
  return {
    browsers,
    here: browsers.some((browser) => browser.id === id) ? id : null,
  };
}

/** Sentences for what stops this browser from ringing. */
export const PUSH_WORDS = {
  blocked:
    "Notifications are blocked for this site. Allow them in the browser's site settings, then turn this on again.",
} as const;

/**
 * Makes this browser ring: asks for permission to notify (this press is
 * the person's gesture), subscribes with the server's key, and registers
 * the subscription with the account.
 */
export async function ringHere(): Promise<void> {
  if (await Notification.requestPermission() !== "granted") {
    throw new Error(PUSH_WORDS.blocked);
  }
  const registration = await worker();
  const { publicKey } = await authCall<{ publicKey: string }>("push/key");
  const subscription = await registration.pushManager.getSubscription() ??
    await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: Uint8Array.from(
        atob(publicKey.replace(/-/g, "+").replace(/_/g, "/")),
        (char) => char.charCodeAt(0),
      ),
    });
  await authCall("push/subscribe", subscription.toJSON());
}

/** Stops this browser ringing: its subscription is ended and forgotten by the account. */
export async function stopRingingHere(): Promise<void> {
  const subscription = await (await worker()).pushManager.getSubscription();
  if (!subscription) return;
  await authCall("push/unsubscribe", { endpoint: subscription.endpoint });
  await subscription.unsubscribe();
}

/** Stops another browser of the account ringing. */
export async function stopRinging(id: string): Promise<void> {
  await authCall("push/remove", { id });
}
