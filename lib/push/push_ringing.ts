/**
 * Closed browsers rung by Web Push: the hub's `ClosedBrowsers`, over the
 * accounts store's subscriptions and a `PushSender`. A ring goes to every
 * browser of the callee, kept by the push service no longer than the ring
 * lasts; the end of the ring goes under the same `Topic`, so it closes the
 * notification, or replaces a ring the push service has not delivered yet,
 * with "Missed call" when the callee missed it. A browser whose push
 * service says it is gone (404, 410) is forgotten.
 * @module
 */
import type { EndReason } from "../wire/protocol.ts";
import type { Call } from "../signaling/call.ts";
import type { ClosedBrowsers } from "../signaling/hub/options.ts";
import { outcomeOf } from "../accounts/call_outcome.ts";
import type { PushStore } from "../accounts/push_store.ts";
import { type PushMessage, topicOf } from "./push_message.ts";
import { guestCallerName } from "../wire/link_api.ts";
import type { PushDelivery, PushOutcome, PushSender } from "./push_sender.ts";

/** How long a push service keeps a missed call's notice for a browser that is away. */
const MISSED_TTL_S = 24 * 3600;
/** How long it keeps the end of a ring: a ring it still holds is replaced, or outlives it. */
const STOP_TTL_S = 3600;

/** What the pushes report, for metrics and the log. */
export interface PushReport {
  /** A push went to a browser: what became of it. */
  pushed(kind: PushMessage["kind"], outcome: PushOutcome): void;
  /** A browser's subscription was removed: its push service said it is gone. */
  removed(userId: string): void;
  failed(operation: string, error: unknown): void;
}

/** What ringing closed browsers needs. */
export interface PushRingingOptions {
  store: () => PushStore;
  sender: () => Promise<PushSender>;
  report: PushReport;
  now?: () => number;
}

/** Whether the callee missed a ring that ended for `reason`, as its history says. */
function missed(reason: EndReason): boolean {
  return reason !== "answered-elsewhere" && reason !== "glare" &&
    outcomeOf({ answeredAt: null, reason }, "callee") === "missed";
}

/** Rings a callee's closed browsers. */
export class PushRinging implements ClosedBrowsers {
  #options: PushRingingOptions;
  #now: () => number;
  /**
   * The rings this instance is still pushing, by call: a ring's end goes
   * after its ring, or the push service could take the end first, and the
   * ring would replace it under their shared Topic.
   */
  #ringing = new Map<string, Promise<void>>();

  constructor(options: PushRingingOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async reachable(userId: string): Promise<boolean> {
    return (await this.#options.store().list(userId)).length > 0;
  }

  ring(call: Call, until: number): void {
    const pushed = this.#toEveryBrowser(call.callee, {
      kind: "ring",
      call: call.id,
      from: call.caller,
      ...call.guest && { name: guestCallerName(call.guest) },
      video: call.hasVideo,
      until,
    }, {
      ttlS: Math.max(1, Math.ceil((until - this.#now()) / 1000)),
      urgency: "high",
      topic: topicOf(call.id),
    });
    this.#ringing.set(call.id, pushed);
    void pushed.then(() => {
      if (this.#ringing.get(call.id) === pushed) this.#ringing.delete(call.id);
    });
  }

  stop(call: Call, reason: EndReason): void {
    const wasMissed = missed(reason);
    this.#toEveryBrowser(call.callee, {
      kind: "stop",
      call: call.id,
      from: call.caller,
      ...call.guest && { name: guestCallerName(call.guest) },
      missed: wasMissed,
    }, {
      ttlS: wasMissed ? MISSED_TTL_S : STOP_TTL_S,
      urgency: wasMissed ? "normal" : "high",
      topic: topicOf(call.id),
    }, this.#ringing.get(call.id));
  }

  /** Pushes `message` to every browser of `userId`, after `after`; never rejects. */
  #toEveryBrowser(
    userId: string,
    message: PushMessage,
    delivery: PushDelivery,
    after?: Promise<void>,
  ): Promise<void> {
    const { store, sender, report } = this.#options;
    return (async () => {
      await after;
      const records = await store().list(userId);
      if (records.length === 0) return;
      const pushes = await sender();
      await Promise.all(records.map(async (record) => {
        const outcome = await pushes.send(record, message, delivery);
        report.pushed(message.kind, outcome);
        if (outcome !== "gone") return;
        if (await store().remove(userId, record.endpointHash)) {
          report.removed(userId);
        }
      }));
    })().catch((error) => report.failed("push", error));
  }
}
