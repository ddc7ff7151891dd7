/**
 * What the hub's parts share: the instance's sockets and calls, the engine,
 * the options with their defaults filled in, and the timers each part keeps.
 * Each part is a set of functions over this one object; only the hub itself
 * makes it.
 * @module
 */
import { CallTable } from "../call_table.ts";
import type {
  EngineInbox,
  SignalingEngine,
  SignOut,
} from "../engines/engine.ts";
import { MemoryEngine } from "../engines/memory_engine.ts";
import type { PresenceFeed } from "../presence_feed.ts";
import { DeliveryLinks } from "../delivery_links.ts";
import type { EndReason } from "../../wire/protocol.ts";
import {
  DEFAULT_LIMITS,
  type MessageLimits,
  type RateLimit,
  type TokenBucket,
} from "../rate_limit.ts";
import { Registry } from "../registry.ts";
import type { Session } from "../session.ts";
import type { Timers } from "../timers.ts";
import {
  type CallHistorySink,
  type ClosedBrowsers,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_RESUME_GRACE_MS,
  type HubObserver,
  type HubOptions,
  type IceRefresh,
  type Reachability,
} from "./options.ts";

/** The state of one hub, shared by its parts. */
export interface HubContext {
  /** This instance's connected users and their devices. */
  readonly registry: Registry;
  /** The calls of this instance's users, as last seen: what relaying checks against. */
  readonly calls: CallTable;
  /** Where users and calls are shared with other instances. */
  readonly engine: SignalingEngine;
  /** This instance's own inbox: what is delivered here goes in as it would from the engine. */
  readonly inbox: EngineInbox;
  readonly timers: Timers;
  readonly now: () => number;
  readonly limits: MessageLimits;
  readonly observer: Partial<HubObserver>;
  readonly ringTimeoutMs: number;
  readonly resumeGraceMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly iceTransportPolicy: RTCIceTransportPolicy;
  readonly iceRefresh: IceRefresh | undefined;
  /** Another instance signed sessions out: their sockets here close. */
  readonly signedOut: ((signOut: SignOut) => void) | undefined;
  /** How often a caller may ring, counted across its devices and instances. */
  readonly ringLimit: RateLimit;
  /** Presence as it goes out to this instance's sessions; `null` with presence off. */
  presence: PresenceFeed | null;
  /** Who may call and see whom; `undefined`: anyone, everyone. */
  readonly reachability: Reachability | undefined;
  /** Whose presence each user connected here is shown, when `reachability` decides it. */
  readonly presenceSeen: Map<string, ReadonlySet<string>>;
  /** Where finished calls are recorded, if anywhere. */
  readonly history: CallHistorySink | undefined;
  /** Where a callee's closed browsers are rung, if anywhere. */
  readonly closedBrowsers: ClosedBrowsers | undefined;
  /** The guards of each session this hub reads frames from. */
  readonly sessions: Map<Session, SessionGuards>;
  /** Ring timers of the calls this instance placed, by call id. */
  readonly ringTimers: Map<string, unknown>;
  /** Users in a call whose device is gone, and the timer that ends their call. */
  readonly graceTimers: Map<string, unknown>;
  /** The delivery sessions of this instance's devices (`delivery=1`). */
  readonly deliveryLinks: DeliveryLinks;
  /**
   * How each user's last call ended here, for the resume grace: a device
   * that resumes it after the end hears how at once.
   */
  readonly endedCalls: Map<string, EndedCall>;
}

/** What the hub keeps per session besides the registry entry: its limits, timers and order. */
export interface SessionGuards {
  messages: TokenBucket;
  refusals: TokenBucket;
  timers: unknown[];
  /** The hub has closed this socket; what still arrives is not read. */
  closing: boolean;
  /** When the hub last heard from a heartbeat session (ms), or `null` for others. */
  lastHeard: number | null;
  /** The session's frames still being handled, in order; `null` when none is. */
  pending: Promise<void> | null;
  /**
   * When the frame being handled arrived (`performance.now()`): the
   * session's frames are handled one at a time, so it holds across the
   * handling's awaits, for the relay latency.
   */
  frameArrived: number;
}

/**
 * A rule's own state, one for each hub, made on first use: the rule keeps
 * it, and the shared context does not know it.
 */
export function hubState<T>(make: () => T): (hub: HubContext) => T {
  const states = new WeakMap<HubContext, T>();
  return (hub) => {
    let state = states.get(hub);
    if (state === undefined) states.set(hub, state = make());
    return state;
  };
}

/** How a call ended, as its party would have heard it. */
export interface EndedCall {
  peer: string;
  reason: EndReason;
  at: number;
}

/**
 * A hub's shared state, with every option's default filled in; presence is
 * added by the hub. `inboxOf` makes the instance's inbox over it: it is the
 * rules' (engine_inbox.ts), which this core does not import.
 */
export function createContext(
  options: HubOptions,
  inboxOf: (hub: HubContext) => EngineInbox,
): HubContext {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const timers: Timers = options.timers ?? {
    set: (callback, ms) => setTimeout(callback, ms),
    clear: (handle) => clearTimeout(handle as number),
  };
  const resumeGraceMs = options.resumeGraceMs ?? DEFAULT_RESUME_GRACE_MS;
  const engine = options.engine ?? new MemoryEngine();
  // The inbox is made over the finished context, so it is put in last.
  const hub: Omit<HubContext, "inbox"> & { inbox?: EngineInbox } = {
    registry: new Registry(),
    calls: new CallTable(),
    engine,
    timers,
    now: options.now ?? Date.now,
    limits,
    observer: options.observer ?? {},
    ringTimeoutMs: options.ringTimeoutMs,
    resumeGraceMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ??
      DEFAULT_HEARTBEAT_TIMEOUT_MS,
    iceTransportPolicy: options.iceTransportPolicy ?? "all",
    iceRefresh: options.iceRefresh,
    signedOut: options.signedOut,
    ringLimit: {
      capacity: limits.callRequestBurst,
      perSecond: limits.callRequestsPerMinute / 60,
    },
    presence: null,
    reachability: options.reachability,
    presenceSeen: new Map(),
    history: options.history,
    closedBrowsers: options.closedBrowsers,
    sessions: new Map(),
    ringTimers: new Map(),
    graceTimers: new Map(),
    deliveryLinks: new DeliveryLinks(
      timers,
      resumeGraceMs,
      engine.instanceId,
      options.now ?? Date.now,
    ),
    endedCalls: new Map(),
  };
  hub.inbox = inboxOf(hub as HubContext);
  return hub as HubContext;
}
