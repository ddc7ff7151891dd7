/**
 * bob's Firefox ESR, rung by Web Push: launched with its push connection
 * pointed at the push service stand-in (see ../shared/web-push-notes.md for
 * each preference), pages of the app opened signed in as him, his ringing
 * turned on in Settings as a person does it, and the notifications it shows
 * read from a hidden tab (a page in sight rings itself, so the service
 * worker shows nothing over it). Test-only.
 * @module
 */
import type { Browser, Page } from "puppeteer-core";
import { launchFirefox } from "./firefox.ts";
import type { PushService } from "./push_service.ts";

/** A notification as the service worker's registration lists it. */
export interface Shown {
  title: string;
  tag: string;
  requireInteraction: boolean;
  actions: string[];
}

/** bob's Firefox and the pages it opens of the app. */
export interface PushFirefox {
  browser: Browser;
  /**
   * A page of the app at `path`, signed in with `cookie`; in a background
   * tab (hidden, as a page left behind another tab is) with `hidden`.
   */
  open(path: string, hidden?: boolean): Promise<Page>;
  /** Presses Settings' toggle and waits until this browser is listed as ringing. */
  turnRingingOn(): Promise<void>;
  close(): Promise<void>;
}

/** Firefox's preferences for a push service on loopback. */
function pushPrefs(
  service: PushService,
): Record<string, string | number | boolean> {
  return {
    "dom.push.serverURL": service.websocketUrl,
    "dom.push.testing.allowInsecureServerURL": true,
    // Automation turns push off; headless notifications need Firefox's own alerts.
    "dom.push.connection.enabled": true,
    "alerts.useSystemBackend": false,
    // bob says yes when Settings asks: the prompt is not what is tested.
    "permissions.default.desktop-notification": 1,
  };
}

/** Launches bob's Firefox for the app at `http`, signed in with `cookie`. */
export async function pushFirefox(
  service: PushService,
  http: string,
  cookie: string,
): Promise<PushFirefox> {
  const browser = await launchFirefox(undefined, undefined, pushPrefs(service));
  // Push lives in the default context; a blank page in front keeps Firefox
  // open, and in sight, while the app's pages are closed or hidden.
  await browser.newPage();
  const open = async (path: string, hidden = false) => {
    const page = await browser.newPage(
      hidden ? { type: "tab", background: true } : undefined,
    );
    page.setDefaultTimeout(15_000);
    await page.goto(`${http}/healthz`);
    await page.evaluate(
      `document.cookie = ${JSON.stringify(`${cookie}; path=/`)}`,
    );
    if (path !== "/healthz") await page.goto(`${http}${path}`);
    return page;
  };
  return {
    browser,
    open,
    async turnRingingOn() {
      const settings = await open("/settings");
      await settings.locator(
        `::-p-aria([name="Ring this browser when Nexus Call is closed"][role="checkbox"])`,
      ).click();
      await settings.waitForFunction(
        `document.querySelector('[aria-label="Browsers that ring"]')
          ?.textContent.includes("(this browser)")`,
      );
      await settings.close();
    },
    close: () => browser.close(),
  };
}

/** The notifications Firefox shows for the app, read from a page of its origin. */
export function shownIn(page: Page): Promise<Shown[]> {
  return page.evaluate(`navigator.serviceWorker.getRegistration()
    .then((registration) => registration.getNotifications())
    .then((all) => all.map((n) => ({ title: n.title, tag: n.tag,
      requireInteraction: n.requireInteraction,
      actions: (n.actions ?? []).map((a) => a.action) })))`) as Promise<
    Shown[]
  >;
}

/** What Firefox shows once `check` holds of it, or after `ms`; read every 10 ms. */
export async function untilShownIn(
  page: Page,
  check: (all: Shown[]) => boolean,
  ms = 10_000,
): Promise<Shown[]> {
  const deadline = Date.now() + ms;
  let all = await shownIn(page);
  while (!check(all) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    all = await shownIn(page);
  }
  return all;
}
