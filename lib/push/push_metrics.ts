/**
 * What Web Push reports, as Prometheus counters on the server's registry and
 * log lines: pushes by kind and outcome, subscriptions removed.
 * @module
 */
import { Counter, type Registry } from "prom-client";
import type { Logger } from "../log.ts";
import type { PushReport } from "./push_ringing.ts";

/** The report that counts pushes on `registry` and logs what went wrong. */
export function pushMetrics(registry: Registry, log: Logger): PushReport {
  const registers = [registry];
  const pushes = new Counter({
    name: "nexus_pushes_total",
    help:
      "Web Pushes to browsers, by kind (ring, stop) and outcome (sent, gone, failed).",
    labelNames: ["kind", "outcome"],
    registers,
  });
  const removed = new Counter({
    name: "nexus_push_subscriptions_removed_total",
    help: "Browsers forgotten because their push service said they are gone.",
    registers,
  });
  return {
    pushed: (kind, outcome) => {
      pushes.inc({ kind, outcome });
      if (outcome === "failed") log.info("push.failed", { kind });
    },
    removed: (user) => {
      removed.inc();
      log.info("push.removed", { user });
    },
    failed: (operation, error) =>
      log.error("push.error", {
        operation,
        error: error instanceof Error ? error.message : String(error),
      }),
  };
}
