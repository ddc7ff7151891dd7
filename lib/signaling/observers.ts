/**
 * Hub observers: what the hub reports, turned into log lines and Prometheus metrics.
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { HubObserver, SignalingHub } from "./hub/hub.ts";
import { RELAYED_TYPES, type RelayedType } from "../wire/protocol.ts";
import type { Logger } from "../log.ts";

/** Calls every observer in turn. */
export function combineObservers(
  ...observers: Partial<HubObserver>[]
): Partial<HubObserver> {
  const combined: Partial<HubObserver> = {};
  const names = new Set(observers.flatMap((o) => Object.keys(o))) as Set<
    keyof HubObserver
  >;
  for (const name of names) {
    const handlers = observers.map((o) => o[name]).filter(
      Boolean,
    ) as ((...args: unknown[]) => void)[];
    (combined as Record<string, unknown>)[name] = (...args: unknown[]) => {
      for (const handler of handlers) handler(...args);
    };
  }
  return combined;
}

/** Log lines for sessions and calls at info; each relayed or refused message at debug. */
export function logObserver(log: Logger): Partial<HubObserver> {
  return {
    sessionOpened: (user) => log.info("session.opened", { user }),
    sessionClosed: (user) => log.info("session.closed", { user }),
    callRinging: (call) =>
      log.info("call.ringing", {
        caller: call.caller,
        callee: call.callee,
        video: call.hasVideo,
      }),
    callAnswered: (call) =>
      log.info("call.answered", { caller: call.caller, callee: call.callee }),
    callEnded: (caller, callee, reason) =>
      log.info("call.ended", { caller, callee, reason }),
    engineFailed: (operation, error) =>
      log.error("engine.failed", {
        operation,
        error: error instanceof Error ? error.message : String(error),
      }),
    ...(log.level === "debug" && {
      relayed: (type, seconds) =>
        log.debug("message.relayed", {
          type,
          ms: Math.round(seconds * 1e6) / 1e3,
        }),
      refused: (code, user) => log.debug("message.refused", { code, user }),
    }),
  };
}

/** Prometheus metrics of a hub, and the observer that feeds them. */
export interface HubMetrics {
  registry: Registry;
  observer: Partial<HubObserver>;
  /** Counts a handshake refused with `status`. */
  handshakeRefused(status: number): void;
}

/** Creates the metrics; gauges read `hub()` when scraped. */
export function createMetrics(hub: () => SignalingHub): HubMetrics {
  const registry = new Registry();
  const registers = [registry];
  new Gauge({
    name: "nexus_sessions",
    help: "Signaling sessions connected now.",
    registers,
    collect() {
      this.set(hub().registry.size);
    },
  });
  new Gauge({
    name: "nexus_calls",
    help: "Calls ringing or in progress now.",
    labelNames: ["phase"],
    registers,
    collect() {
      // Each call counts on the instance that placed it, so instances add up.
      const phases = hub().calls.countByPhase(hub().engine.instanceId);
      this.set({ phase: "ringing" }, phases.ringing);
      this.set({ phase: "active" }, phases.active);
    },
  });
  const ended = new Counter({
    name: "nexus_call_outcomes_total",
    help: "Calls ended (or refused busy), by reason.",
    labelNames: ["reason"],
    registers,
  });
  const answered = new Counter({
    name: "nexus_calls_answered_total",
    help: "Calls answered.",
    registers,
  });
  const relayed = new Counter({
    name: "nexus_messages_relayed_total",
    help: "Messages delivered to their addressee, by type.",
    labelNames: ["type"],
    registers,
  });
  // Labelled children resolved once: this runs for every relayed message.
  const relayedByType = Object.fromEntries(
    RELAYED_TYPES.map((type) => [type, relayed.labels(type)]),
  ) as Record<
    RelayedType,
    Counter.Internal
  >;
  const refused = new Counter({
    name: "nexus_errors_total",
    help: "Messages refused with an error, by code.",
    labelNames: ["code"],
    registers,
  });
  const latency = new Histogram({
    name: "nexus_relay_latency_seconds",
    help: "Time from a frame's arrival to its delivery.",
    buckets: [
      0.00005,
      0.0001,
      0.00025,
      0.0005,
      0.001,
      0.0025,
      0.005,
      0.01,
      0.05,
    ],
    registers,
  });
  const engineFailures = new Counter({
    name: "nexus_engine_failures_total",
    help: "Operations the shared engine (e.g. Redis) failed, by operation.",
    labelNames: ["operation"],
    registers,
  });
  const handshakes = new Counter({
    name: "nexus_handshakes_refused_total",
    help: "Signaling handshakes refused, by HTTP status.",
    labelNames: ["status"],
    registers,
  });
  return {
    registry,
    observer: {
      callAnswered: () => answered.inc(),
      callEnded: (_caller, _callee, reason) => ended.inc({ reason }),
      relayed: (type, seconds) => {
        relayedByType[type].inc();
        latency.observe(seconds);
      },
      refused: (code) => refused.inc({ code }),
      engineFailed: (operation) => engineFailures.inc({ operation }),
    },
    handshakeRefused: (status) => handshakes.inc({ status: String(status) }),
  };
}
