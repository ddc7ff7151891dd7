/**
 * What the hub's parts share: the instance's sockets and calls, the engine,
 * the options with their defaults filled in, and the timers each part keeps.
 * Each part is a set of functions over this one object; only the hub itself
 * makes it.
 * @module
 */
import { CallTable } from "../call_table.ts";
import type { SignalingEngine, SignOut } from "../engines/engine.ts";
import { MemoryEngine } from "../engines/memory_engine.ts";
import type { PresenceFeed } from "../presence_feed.ts";
import { DeliveryLinks } from "../delivery_links.ts";
import type { EndReason } from "../../protocol.ts";
import {
  DEFAULT_LIMITS,
  type MessageLimits,
  type RateLimit,
} from "../rate_limit.ts";
import { Registry } from "../registry.ts";
import type { Session } from "../session.ts";
import type { Timers } from "../timers.ts";
import type { SessionGuards } from "./guards.ts";
import type { PendingHangup } from "./hang_up.ts";
import {
  type CallHistorySink,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_RESUME_GRACE_MS,
  type HubObserver,
  type HubOptions,
  type IceRefresh,
  type Reachability,
} from "./options.ts";
import type { ResumeClaim } from "./resume.ts";

/** The state of one hub, shared by its parts. */
export interface HubContext {
  /** This instance's connected users and their devices. */
  readonly registry: Registry;
  /** The calls of this instance's users, as last seen: what relaying checks against. */
  readonly calls: CallTable;
  /** Where users and calls are shared with other instances. */
  readonly engine: SignalingEngine;
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
  /** The guards of each session this hub reads frames from. */
  readonly sessions: Map<Session, SessionGuards>;
  /** Ring timers of the calls this instance placed, by call id. */
  readonly ringTimers: Map<string, unknown>;
  /** Users in a call whose device is gone, and the timer that ends their call. */
  readonly graceTimers: Map<string, unknown>;
  /** Parties that resumed a call the engine had lost, waiting for the other, by user id. */
  readonly resumeClaims: Map<string, ResumeClaim>;
  /** Hang-ups waiting for the engine, by call id. */
  readonly hangups: Map<string, PendingHangup>;
  /** The delivery sessions of this instance's devices (`delivery=1`). */
  readonly deliveryLinks: DeliveryLinks;
  /**
   * How each user's last call ended here, for the resume grace: a device
   * that resumes it after the end hears how at once.
   */
  readonly endedCalls: Map<string, EndedCall>;
  hangupRetry: unknown;
  heartbeatSweep: unknown;
  /** When the frame being handled arrived (`performance.now()`). */
  frameArrived: number;
}

/** How a call ended, as its party would have heard it. */
export interface EndedCall {
  peer: string;
  reason: EndReason;
  at: number;
}

/** A hub's shared state, with every option's default filled in; presence is added by the hub. */
export function createContext(options: HubOptions): HubContext {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const timers: Timers = options.timers ?? {
    set: (callback, ms) => setTimeout(callback, ms),
    clear: (handle) => clearTimeout(handle as number),
  };
  const resumeGraceMs = options.resumeGraceMs ?? DEFAULT_RESUME_GRACE_MS;
  return {
    registry: new Registry(),
    calls: new CallTable(),
    engine: options.engine ?? new MemoryEngine(),
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
    sessions: new Map(),
    ringTimers: new Map(),
    graceTimers: new Map(),
    resumeClaims: new Map(),
    hangups: new Map(),
    deliveryLinks: new DeliveryLinks(
      timers,
      resumeGraceMs,
      options.now ?? Date.now,
    ),
    endedCalls: new Map(),
    hangupRetry: null,
    heartbeatSweep: null,
    frameArrived: 0,
  };
}
