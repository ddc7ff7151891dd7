/**
 * The hub's contract with whoever runs it: its options, what it reports to
 * observers, what a session brings when it joins, and the defaults.
 * @module
 */
import type { DeliverySessionInfo, GuestCard } from "../../wire/protocol.ts";
import type { EndReason, ErrorCode, RelayedType } from "../../wire/protocol.ts";
import type { Call } from "../call.ts";
import type { SignalingEngine, SignOut } from "../engines/engine.ts";
import type { MessageLimits } from "../rate_limit.ts";
import type { DeliveryHook } from "../session.ts";
import type { Timers } from "../timers.ts";

/** Fresh ICE servers for a user, e.g. with new TURN credentials. */
export interface IceRefresh {
  forUser(userId: string): Promise<RTCIceServer[]>;
  /** How often each session is sent new ones. */
  everyMs: number;
}

/** What the hub reports as it works, for metrics and logs. */
export interface HubObserver {
  sessionOpened(userId: string): void;
  sessionClosed(userId: string): void;
  callRinging(call: Call): void;
  callAnswered(call: Call): void;
  /** A call ended, or a call attempt was answered busy or lost a glare. */
  callEnded(caller: string, callee: string, reason: EndReason): void;
  /** A message was delivered, `seconds` after its frame arrived. */
  relayed(type: RelayedType, seconds: number): void;
  /** A message was refused with an error. */
  refused(code: ErrorCode, userId: string): void;
  /** The engine failed at something the hub asked of it. */
  engineFailed(operation: string, error: unknown): void;
}

/**
 * Who may reach whom (accounts mode: contacts, blocks, who may call), as
 * the hub asks it. Without one, anyone may call anyone and everyone sees
 * everyone online.
 */
export interface Reachability {
  /** Whether `caller` may ring `callee`; a refusal is answered as if `callee` were offline. */
  mayCall(caller: string, callee: string): Promise<boolean>;
  /** The users whose presence `viewer` is shown. */
  presenceSeenBy(viewer: string): Promise<ReadonlySet<string>>;
}

/** A call that is over, as the call history records it. */
export interface FinishedCall {
  /** The call's id: history is written once per id. */
  id: string;
  caller: string;
  callee: string;
  startedAt: number;
  /** `null` when it was never answered. */
  answeredAt: number | null;
  endedAt: number;
  reason: EndReason;
  /** The caller was a guest who came by a call link. */
  guest?: GuestCard;
}

/** Where finished calls are recorded (accounts mode). */
export interface CallHistorySink {
  /** Records a call for both parties; resolves with the parties who missed it. */
  record(call: FinishedCall): Promise<string[]>;
  /** How many calls `userId` missed and has not looked at yet. */
  missedCount(userId: string): Promise<number>;
}

/**
 * A user's browsers that ring while no page of the app is open (accounts
 * mode: Web Push). Its work is in the background: the hub never waits for a
 * push service.
 */
export interface ClosedBrowsers {
  /** Whether `userId` has any such browser: a call to it rings with no device online. */
  reachable(userId: string): Promise<boolean>;
  /** Rings them: `call` rings until `until` (ms since the epoch). */
  ring(call: Call, until: number): void;
  /**
   * The ring is over: answered on a device (`answered-elsewhere`), or the
   * call ended while it rang, for `reason`.
   */
  stop(call: Call, reason: EndReason): void;
}

/** How the hub behaves. */
export interface HubOptions {
  /** How long an unanswered call rings before it ends with `no-answer`. */
  ringTimeoutMs: number;
  /** How long a call waits for a party whose connection dropped. */
  resumeGraceMs?: number;
  /** Handed to clients: `relay` hides their own addresses from each other. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Whether clients learn who is online; `false` keeps the directory to the server. */
  presence?: boolean;
  /** How long presence changes are gathered before they are sent; 0 sends each at once. */
  presenceWindowMs?: number;
  /** Keeps each session's ICE servers fresh, when they expire. */
  iceRefresh?: IceRefresh;
  /** Another instance signed sessions out (accounts mode): their sockets here close. */
  signedOut?(signOut: SignOut): void;
  limits?: MessageLimits;
  observer?: Partial<HubObserver>;
  /** Timers; `setTimeout` unless a test says otherwise. */
  timers?: Timers;
  /** The clock in milliseconds; `Date.now` unless a test says otherwise. */
  now?: () => number;
  /** Heartbeat sessions silent for this long are closed as dead. */
  heartbeatTimeoutMs?: number;
  /** Where users and calls are shared; in this process's memory by default. */
  engine?: SignalingEngine;
  /** Who may call and see whom; everyone, everyone, without it. */
  reachability?: Reachability;
  /** Where each finished call is recorded; nowhere without it. */
  history?: CallHistorySink;
  /** Where a callee's closed browsers are rung; nowhere without it. */
  closedBrowsers?: ClosedBrowsers;
}

/** What a session brings when it joins. */
export interface JoinOptions {
  /** The page's device id; a new one is made when absent. */
  deviceId?: string;
  iceServers?: RTCIceServer[];
  /** When its token expires (ms since the epoch); the socket is closed then. */
  expiresAt?: number;
  /**
   * The client sends `ping` regularly, so the hub watches its silence itself
   * instead of the socket pinging it (which costs a timer per message).
   */
  heartbeat?: boolean;
  /** The client takes the caller's offer while it rings (see `Session.prepares`). */
  prepares?: boolean;
  /** The client takes a long `presence:list` in parts (see `Session.listsInParts`). */
  listsInParts?: boolean;
  /** With `delivery=1`: the device's delivery session and what `session:ready` says of it. */
  delivery?: { link: DeliveryHook; info: DeliverySessionInfo };
  /** A guest who came by a call link (`Session.guest`). */
  guest?: GuestCard;
}

/** How long a heartbeat session may stay silent before it is closed as dead. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;

/** The grace period a call gives a party whose connection dropped. */
export const DEFAULT_RESUME_GRACE_MS = 12_000;
