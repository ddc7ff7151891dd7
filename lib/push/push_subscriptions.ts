/**
 * The browsers that ring for each account: subscribed from Settings (the
 * endpoint checked, the account's count bounded), listed there, removed
 * there, and removed with the sign-in they were made in. The VAPID keys are
 * the operator's, or made once and kept in the accounts store, so every
 * instance and every restart signs with the same key.
 * @module
 */
import type { PushConfig } from "../config/push_config.ts";
import { AccountError } from "../accounts/account_error.ts";
import type { PushStore } from "../accounts/push_store.ts";
import { RECORD_VERSION } from "../accounts/records.ts";
import { secretHash } from "../accounts/session_cookie.ts";
import type { RingingBrowser } from "../wire/push_api.ts";
import { endpointRefusal, type Resolve } from "./endpoint_check.ts";
import { newVapidKeys, PushSender } from "./push_sender.ts";

/** A browser's subscription as `PushSubscription.toJSON()` gives it. */
export interface SubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** A signed-in browser: its account and its sign-in's hash. */
export interface SignedInBrowser {
  userId: string;
  signIn: string;
}

/** Whether `value` is base64url of exactly `bytes` bytes. */
function isKey(value: string, bytes: number): boolean {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) &&
    Math.floor(value.replace(/=+$/, "").length * 3 / 4) === bytes;
}

/** The subscriptions of every account, and the sender that pushes to them. */
export class PushSubscriptions {
  #store: () => PushStore;
  #config: PushConfig;
  #resolve: Resolve | undefined;
  #now: () => number;
  #sender: Promise<PushSender> | null = null;

  constructor(
    store: () => PushStore,
    config: PushConfig,
    options: { resolve?: Resolve; now?: () => number } = {},
  ) {
    this.#store = store;
    this.#config = config;
    this.#resolve = options.resolve;
    this.#now = options.now ?? Date.now;
  }

  /** The sender, with the operator's VAPID keys or the store's (made on first use). */
  sender(): Promise<PushSender> {
    this.#sender ??= (async () =>
      new PushSender({
        vapidKeys: this.#config.vapidKeys ??
          await this.#store().vapidKeys(await newVapidKeys()),
        subject: this.#config.subject,
        allowedHosts: this.#config.allowedHosts,
        resolve: this.#resolve,
      }))();
    return this.#sender;
  }

  /** Makes `browser` ring for its account, from a page at `origin`. */
  async subscribe(
    browser: SignedInBrowser,
    input: SubscriptionInput,
    origin: string,
    device: string,
  ): Promise<void> {
    if (!isKey(input.keys.p256dh, 65) || !isKey(input.keys.auth, 16)) {
      throw new AccountError(
        400,
        "push-keys",
        "The browser's push keys are not a P-256 key and a 16-byte secret.",
      );
    }
    const refused = await endpointRefusal(
      input.endpoint,
      this.#config.allowedHosts,
      this.#resolve,
    );
    if (refused) throw new AccountError(400, "push-endpoint", refused);
    const added = await this.#store().add({
      v: RECORD_VERSION,
      userId: browser.userId,
      endpointHash: secretHash(input.endpoint),
      endpoint: input.endpoint,
      keys: {
        p256dh: input.keys.p256dh.replace(/=+$/, ""),
        auth: input.keys.auth.replace(/=+$/, ""),
      },
      signIn: browser.signIn,
      device,
      origin,
      createdAt: this.#now(),
    }, this.#config.maxBrowsers);
    if (!added) {
      throw new AccountError(
        409,
        "push-full",
        `${this.#config.maxBrowsers} browsers already ring for this account: stop one ringing first.`,
      );
    }
  }

  /** The browsers that ring for `browser`'s account. */
  async browsers(browser: SignedInBrowser): Promise<RingingBrowser[]> {
    return (await this.#store().list(browser.userId)).map((record) => ({
      id: record.endpointHash,
      device: record.device,
      createdAt: record.createdAt,
      current: record.signIn === browser.signIn,
    }));
  }

  /** Stops one browser of `userId` ringing, by its id; false when there was none. */
  remove(userId: string, id: string): Promise<boolean> {
    return this.#store().remove(userId, id);
  }

  /** Stops the browser with this endpoint ringing (it unsubscribed). */
  unsubscribe(userId: string, endpoint: string): Promise<boolean> {
    return this.#store().remove(userId, secretHash(endpoint));
  }

  /** A sign-in ended (null: all of the account's): its browsers stop ringing. */
  async signedOut(userId: string, signIn: string | null): Promise<void> {
    const store = this.#store();
    for (const record of await store.list(userId)) {
      if (signIn === null || record.signIn === signIn) {
        await store.remove(userId, record.endpointHash);
      }
    }
  }
}
