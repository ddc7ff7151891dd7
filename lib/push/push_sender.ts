/**
 * Sends one push to one browser: the message encrypted for it (aes128gcm)
 * and signed for its push service with the server's VAPID key (RFC 8292),
 * both by the `web-push` library, and posted with `fetch`. The endpoint is
 * checked again before each push (its name may resolve elsewhere now), and
 * no redirect is followed.
 * @module
 */
import type {
  PushSubscriptionRecord,
  VapidKeys,
} from "../accounts/push_store.ts";
import { endpointRefusal, type Resolve } from "./endpoint_check.ts";
import type { PushMessage } from "./push_message.ts";

/**
 * The `web-push` library, loaded when first used: it reads the environment
 * as it loads (`ECE_KEYLOG`), which a process without that permission (a
 * bare `deno test`) does not allow, and only accounts mode with push needs it.
 */
async function webPush() {
  return (await import("web-push")).default;
}

/** How a push went: accepted, the browser's subscription gone (404/410), or failed. */
export type PushOutcome = "sent" | "gone" | "failed";

/** How long the push service keeps it, how urgent, and which earlier push it replaces. */
export interface PushDelivery {
  ttlS: number;
  urgency: "high" | "normal";
  topic: string;
}

/** How a push service is reached. */
export interface PushSenderOptions {
  vapidKeys: VapidKeys;
  /** The VAPID `sub`; null: the subscribing page's origin (a `mailto:` for one that is not https). */
  subject: string | null;
  /** `host:port` of push services allowed on private addresses. */
  allowedHosts: ReadonlySet<string>;
  resolve?: Resolve;
  /** How long a push service may take to answer. */
  timeoutMs?: number;
}

/** The VAPID contact for a subscription made on a page at `origin`. */
function subjectFor(origin: string): string {
  const url = new URL(origin);
  return url.protocol === "https:"
    ? url.origin
    : `mailto:nexus-call@${url.hostname}`;
}

/** Sends pushes for one server. */
export class PushSender {
  #options: PushSenderOptions;

  constructor(options: PushSenderOptions) {
    this.#options = options;
  }

  /** The key browsers subscribe with (`applicationServerKey`), base64url. */
  get publicKey(): string {
    return this.#options.vapidKeys.publicKey;
  }

  /** Sends `message` to the browser of `record`; what became of it. */
  async send(
    record: PushSubscriptionRecord,
    message: PushMessage,
    delivery: PushDelivery,
  ): Promise<PushOutcome> {
    const { vapidKeys, subject, allowedHosts, resolve, timeoutMs } =
      this.#options;
    if (await endpointRefusal(record.endpoint, allowedHosts, resolve)) {
      return "gone";
    }
    const request = (await webPush()).generateRequestDetails(
      { endpoint: record.endpoint, keys: record.keys },
      JSON.stringify(message),
      {
        vapidDetails: {
          subject: subject ?? subjectFor(record.origin),
          ...vapidKeys,
        },
        TTL: delivery.ttlS,
        urgency: delivery.urgency,
        topic: delivery.topic,
        contentEncoding: "aes128gcm",
      },
    );
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      // fetch sets the length from the body itself.
      if (name.toLowerCase() !== "content-length") {
        headers.set(name, String(value));
      }
    }
    try {
      const response = await fetch(request.endpoint, {
        method: "POST",
        headers,
        body: request.body ? new Uint8Array(request.body) : null,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      if (response.status === 404 || response.status === 410) return "gone";
      return response.ok ? "sent" : "failed";
    } catch {
      return "failed";
    }
  }
}

/** A new VAPID key pair, made by the library. */
export async function newVapidKeys(): Promise<VapidKeys> {
  return (await webPush()).generateVAPIDKeys();
}
