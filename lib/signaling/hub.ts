/**
 * The signaling hub: joins sessions, reads their frames and routes each
 * message to the user in `to`, with `from` stamped as the sender's own id.
 *
 * It tracks calls so that only the two parties of a call can signal each
 * other. A user may be connected on several devices: an incoming call rings
 * them all, the first to answer gets the call and the others stop ringing.
 * A device that loses its connection keeps its call for a grace period, and
 * takes it back when it reconnects; two users calling each other at once end
 * up in exactly one call, the one placed by the lower user id.
 *
 * The hub holds this instance's sockets. Who is connected where, and which
 * calls exist, live in its engine, so that these rules hold across instances:
 * every change of a call is an atomic swap there, retried when another
 * instance changed the call first.
 * @module
 */
import {
  type ClientType,
  CLOSE_CODES,
  type EndReason,
  ERROR_CODES,
  type ErrorCode,
  isOversized,
  isRelayedType,
  MAX_FRAME_BYTES,
  newDeviceId,
  parseClientFrame,
  type PayloadOf,
  type PresenceUpdate,
  type RelayedType,
  type ServerMessage,
} from "../protocol.ts";
import { type Call, deviceOf, instanceOf, nextCall, peerOf } from "./call.ts";
import { CallTable } from "./call_table.ts";
import type {
  EngineInbox,
  Envelope,
  SignalingEngine,
} from "./engines/engine.ts";
import { MemoryEngine } from "./engines/memory_engine.ts";
import { Registry } from "./registry.ts";
import {
  DEFAULT_LIMITS,
  frameCost,
  type MessageLimits,
  type RateLimit,
  TokenBucket,
} from "./rate_limit.ts";
import { PresenceFeed } from "./presence_feed.ts";
import { sendText, type Session, type SignalingSocket } from "./session.ts";
import { setAt, type Timers } from "./timers.ts";

export type { Timers } from "./timers.ts";

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
}

/** How long a heartbeat session may stay silent before it is closed as dead. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;

/** The grace period a call gives a party whose connection dropped. */
export const DEFAULT_RESUME_GRACE_MS = 12_000;

/** How often a change of a call is tried again when other instances keep changing it first. */
const SWAP_ATTEMPTS = 5;

/** How often a hang-up the engine could not take is tried again. */
const HANGUP_RETRY_MS = 1_000;

/** What the hub keeps per session besides the registry entry: its limits, timers and order. */
interface SessionGuards {
  messages: TokenBucket;
  refusals: TokenBucket;
  timers: unknown[];
  /** The hub has closed this socket; what still arrives is not read. */
  closing: boolean;
  /** When the hub last heard from a heartbeat session (ms), or `null` for others. */
  lastHeard: number | null;
  /** The session's frames still being handled, in order; `null` when none is. */
  pending: Promise<void> | null;
}

/**
 * A hang-up the engine could not take (it was unreachable): it is tried
 * until it holds, and the call is never restored meanwhile.
 */
interface PendingHangup {
  call: Call;
  /** Who hung up, and the party to tell. */
  from: string;
  to: string;
  reason: EndReason;
  /** The peer has been told; the call is looked for once more, then forgotten. */
  told: boolean;
}

/** A party that resumed a call the server does not know (it restarted), waiting for the other. */
interface ResumeClaim {
  deviceId: string;
  peer: string;
  timer: unknown;
}

type Route<T extends ClientType> = (
  hub: SignalingHub,
  session: Session,
  payload: PayloadOf<T>,
) => void | Promise<void>;

const routes: { [T in ClientType]: Route<T> } = {
  "call:request": (hub, session, payload) => hub.requestCall(session, payload),
  "call:response": (hub, session, payload) =>
    hub.respondToCall(session, payload),
  "webrtc:offer": (hub, session, payload) =>
    hub.relayInCall(session, "webrtc:offer", payload),
  "webrtc:answer": (hub, session, payload) =>
    hub.relayInCall(session, "webrtc:answer", payload),
  "webrtc:candidate": (hub, session, payload) =>
    hub.relayInCall(session, "webrtc:candidate", payload),
  "call:end": (hub, session, payload) => hub.endCall(session, payload),
  "call:resume": (hub, session, payload) => hub.resumeCall(session, payload),
  ping: (hub, session) => hub.pong(session),
};

function send(socket: SignalingSocket, message: ServerMessage): void {
  sendText(socket, JSON.stringify(message));
}

/** The size in bytes of a binary frame, however the socket hands it over. */
function sizeOf(frame: unknown): number {
  const binary = frame as { byteLength?: number; size?: number };
  return binary.byteLength ?? binary.size ?? 0;
}

/** Why a call ends when a party sends `call:end`: its reason, or what its phase implies. */
function endReason(
  call: Call,
  userId: string,
  payload: PayloadOf<"call:end">,
): EndReason {
  if (payload.reason) return payload.reason;
  if (call.phase !== "ringing") return "hangup";
  return call.caller === userId ? "cancelled" : "declined";
}

/** A number in [0, 1) from the platform's cryptographic randomness. */
function secureRandom(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32;
}

/** The signaling hub of one server. */
export class SignalingHub {
  /** This instance's connected users and their devices. */
  readonly registry = new Registry();
  /** The calls of this instance's users, as last seen: what relaying checks against. */
  readonly calls = new CallTable();
  /** Where users and calls are shared with other instances. */
  readonly engine: SignalingEngine;
  #options: HubOptions;
  #timers: Timers;
  #now: () => number;
  #limits: MessageLimits;
  #observer: Partial<HubObserver>;
  /** Presence as it goes out to this instance's sessions; `null` with presence off. */
  #presence: PresenceFeed | null;
  /** How often a caller may ring, counted across its devices and instances. */
  #ringLimit: RateLimit;
  #sessions = new Map<Session, SessionGuards>();
  /** Hang-ups waiting for the engine, by call id. */
  #hangups = new Map<string, PendingHangup>();
  #hangupRetry: unknown = null;
  /** Ring timers of the calls this instance placed, by call id. */
  #ringTimers = new Map<string, unknown>();
  /** Users in a call whose device is gone, and the timer that ends their call. */
  #graceTimers = new Map<string, unknown>();
  #resumeClaims = new Map<string, ResumeClaim>();
  #heartbeatSweep: unknown = null;
  /** When the frame being handled arrived (`performance.now()`). */
  #frameArrived = 0;

  constructor(options: HubOptions) {
    this.#options = options;
    this.engine = options.engine ?? new MemoryEngine();
    this.#now = options.now ?? Date.now;
    this.#limits = options.limits ?? DEFAULT_LIMITS;
    this.#observer = options.observer ?? {};
    this.#timers = options.timers ?? {
      set: (callback, ms) => setTimeout(callback, ms),
      clear: (handle) => clearTimeout(handle as number),
    };
    this.#ringLimit = {
      capacity: this.#limits.callRequestBurst,
      perSecond: this.#limits.callRequestsPerMinute / 60,
    };
    this.#presence = (options.presence ?? true)
      ? new PresenceFeed(
        {
          sessions: () => this.registry.sessions(),
          snapshot: () => this.engine.presence(),
          failed: (error, waiting) => {
            this.#observer.engineFailed?.("presence", error);
            for (const session of waiting) this.#error(session, "unavailable");
          },
        },
        this.#timers,
        options.presenceWindowMs,
      )
      : null;
  }

  /** Starts the engine, so that other instances reach this one. */
  start(): Promise<void> {
    const inbox: EngineInbox = {
      deliver: (envelope) => this.#deliverHere(envelope),
      broadcast: ({ presence }) => this.#presence?.change(presence),
      lost: (devices) => {
        for (const { user, device, offline } of devices) {
          this.#inBackground(
            "device.lost",
            this.#deviceGone(user, device, offline),
          );
        }
      },
      devices: () => this.#localDevices(),
      rebuild: () => this.#rebuild(),
    };
    return this.engine.start(inbox);
  }

  /**
   * Joins a socket under `userId` (already verified). A user may be connected
   * on several devices; a device that reconnects replaces its old connection
   * (closed with 4409) and takes back its call.
   */
  connect(
    userId: string,
    socket: SignalingSocket,
    join: JoinOptions = {},
  ): Session {
    const session: Session = {
      userId,
      deviceId: join.deviceId ?? newDeviceId(secureRandom),
      socket,
    };
    const replaced = this.registry.add(session);
    if (replaced) {
      this.#forget(replaced);
      replaced.socket.close(
        CLOSE_CODES.replaced,
        "replaced by a newer connection",
      );
    }
    const limits = this.#limits;
    const state: SessionGuards = {
      messages: new TokenBucket(
        limits.messageBurst,
        limits.messagesPerSecond,
        this.#now,
      ),
      refusals: new TokenBucket(
        limits.refusalsBeforeClose,
        limits.refusalsForgivenPerSecond,
        this.#now,
      ),
      timers: [],
      closing: false,
      lastHeard: join.heartbeat ? this.#now() : null,
      pending: null,
    };
    if (join.heartbeat) this.#watchHeartbeats();
    this.#sessions.set(session, state);
    if (join.expiresAt !== undefined) {
      // A token may be valid for longer than one timer waits: it is re-armed.
      setAt(
        this.#timers,
        this.#now,
        join.expiresAt,
        () => socket.close(CLOSE_CODES.policy, "token expired"),
        (handle) => state.timers.push(handle),
      );
    }
    const refresh = this.#options.iceRefresh;
    if (refresh) state.timers.push(this.#scheduleIceRefresh(session, refresh));
    this.#observer.sessionOpened?.(userId);
    send(socket, {
      type: "session:ready",
      payload: {
        userId,
        deviceId: session.deviceId,
        iceServers: join.iceServers ?? [],
        iceTransportPolicy: this.#options.iceTransportPolicy ?? "all",
        presence: this.#presence !== null,
      },
    });
    // Frames that arrive meanwhile wait until the device is recorded.
    this.#inOrder(
      session,
      state,
      "join",
      () => this.#joined(session, !replaced),
    );
    return session;
  }

  /** Handles one frame from a session: text frames only. Settles when it is handled. */
  receive(session: Session, frame: unknown): Promise<void> | void {
    this.#frameArrived = performance.now();
    const state = this.#sessions.get(session);
    if (!state || state.closing) return;
    if (state.lastHeard !== null) state.lastHeard = this.#now();
    if (typeof frame !== "string") {
      if (sizeOf(frame) > MAX_FRAME_BYTES) {
        return this.#tooLarge(session, state);
      }
      if (!state.messages.take()) return this.#refuse(session, state);
      return this.#error(session, "binary-frame");
    }
    // Checked before anything else reads it: its sender is cut off at once.
    if (isOversized(frame)) return this.#tooLarge(session, state);
    if (!state.messages.take(frameCost(frame.length))) {
      return this.#refuse(session, state);
    }
    const parsed = parseClientFrame(frame);
    if (!parsed.ok) {
      return this.#error(
        session,
        parsed.code,
        parsed.message,
        parsed.inReplyTo,
      );
    }
    const { type, payload } = parsed.message;
    return this.#inOrder(
      session,
      state,
      type,
      () =>
        (routes[type] as Route<typeof type>)(this, session, {
          ...payload,
          from: session.userId,
        } as PayloadOf<typeof type>),
    );
  }

  /**
   * Removes a session whose socket closed. A call that needed this device
   * waits the grace period for it to come back, then ends with `peer-gone`.
   * Settles once the engine knows.
   */
  disconnect(session: Session): Promise<void> | void {
    const pending = this.#sessions.get(session)?.pending;
    this.#forget(session);
    this.#presence?.left(session);
    if (!this.registry.remove(session)) return;
    const { userId, deviceId } = session;
    this.#observer.sessionClosed?.(userId);
    const left = async () => {
      await pending;
      const offline = await this.engine.deviceLeft(userId, deviceId);
      await this.#deviceGone(userId, deviceId, offline);
    };
    return this.#inBackground("device.left", left());
  }

  /** Closes every socket, e.g. with 1012 when the server restarts. */
  closeAll(code: number, reason: string): void {
    for (const session of [...this.registry.sessions()]) {
      session.socket.close(code, reason);
    }
  }

  /** `call:request`: ring every device of the callee, or answer why not. */
  requestCall(
    session: Session,
    payload: PayloadOf<"call:request">,
  ): void | Promise<void> {
    const { userId } = session;
    const { to } = payload;
    if (to === userId) {
      return this.#error(session, "self-call", undefined, "call:request");
    }
    return this.#ringAllowed(session).then((allowed) =>
      allowed ? this.#placeCall(session, payload) : undefined
    );
  }

  /**
   * Whether a caller may ring now: the limit is the caller's, across all of
   * its devices, reconnects and instances, not one connection's.
   */
  async #ringAllowed(session: Session): Promise<boolean> {
    if (
      await this.engine.takeToken(`ring:${session.userId}`, this.#ringLimit)
    ) {
      return true;
    }
    const state = this.#sessions.get(session);
    if (state) this.#refuse(session, state, "call:request");
    return false;
  }

  /** Rings the callee, or answers busy, glare or why not. */
  #placeCall(
    session: Session,
    payload: PayloadOf<"call:request">,
  ): Promise<void> {
    const { userId } = session;
    const { to } = payload;
    return this.#retrying(session, "call:request", async () => {
      // Both read together: a call the callee placed to this user a moment
      // ago shows up on either side, and is glare, not busy.
      const [mine, theirs, devices] = await Promise.all([
        this.engine.callOf(userId),
        this.engine.callOf(to),
        this.engine.devicesOf(to),
      ]);
      const crossing = mine ?? theirs;
      if (
        crossing?.phase === "ringing" && crossing.caller === to &&
        crossing.callee === userId
      ) {
        return this.#glare(session, crossing, payload, devices);
      }
      if (mine) {
        this.#error(session, "already-in-call", undefined, "call:request");
        return true;
      }
      if (devices.size === 0) {
        this.#error(
          session,
          "peer-unavailable",
          `${to} is not online.`,
          "call:request",
        );
        return true;
      }
      if (theirs) {
        this.#observer.callEnded?.(userId, to, "busy");
        send(session.socket, {
          type: "call:response",
          payload: { from: to, to: userId, accepted: false, reason: "busy" },
        });
        return true;
      }
      const call = this.#newCall(session, to, payload);
      if (!await this.engine.swapCall([userId, to], undefined, call)) {
        return false;
      }
      this.#ring(call, payload, devices);
      return true;
    });
  }

  /** `call:response`: a device of the callee answers a ringing call. */
  respondToCall(
    session: Session,
    payload: PayloadOf<"call:response">,
  ): Promise<void> {
    const { userId } = session;
    return this.#retrying(session, "call:response", async () => {
      const call = await this.#between(userId, payload.to);
      if (!call || call.phase !== "ringing" || call.callee !== userId) {
        this.#error(
          session,
          "not-in-call",
          `${payload.to} is not calling you.`,
          "call:response",
        );
        return true;
      }
      if (!payload.accepted) {
        const reason = payload.reason ?? "declined";
        if (!await this.#end(call, reason)) return false;
        await this.#toParty(call, call.caller, {
          type: "call:response",
          payload,
        }, "ended");
        await this.#stopRinging(call, session, reason, true);
        return true;
      }
      const active = nextCall(call, {
        phase: "active",
        calleeDevice: session.deviceId,
        calleeInstance: this.engine.instanceId,
      });
      if (!await this.engine.swapCall([call.caller, userId], call, active)) {
        return false;
      }
      this.calls.put(active);
      this.#clearRingTimer(call.id);
      this.#observer.callAnswered?.(active);
      await this.#toParty(active, call.caller, {
        type: "call:response",
        payload,
      }, "changed");
      await this.#stopRinging(active, session, "answered-elsewhere", false);
      await this.#announceInCall(active, true);
      return true;
    });
  }

  /** `webrtc:*`: only between the two devices of an accepted call. */
  relayInCall(
    session: Session,
    type: "webrtc:offer" | "webrtc:answer" | "webrtc:candidate",
    payload: PayloadOf<"webrtc:offer" | "webrtc:answer" | "webrtc:candidate">,
  ): void | Promise<void> {
    const message = { type, payload } as ServerMessage;
    // The common case needs no engine: this instance saw the call answered.
    const known = this.calls.between(session.userId, payload.to);
    if (known && this.#mayRelay(known, session)) {
      return this.#relay(known, payload.to, message);
    }
    return (async () => {
      const call = await this.#between(session.userId, payload.to);
      if (!call || !this.#mayRelay(call, session)) {
        return this.#error(
          session,
          "not-in-call",
          `You are not in a call with ${payload.to}.`,
          type,
        );
      }
      this.calls.put(call);
      this.#relay(call, payload.to, message);
    })();
  }

  /**
   * `call:end`: either party hangs up, the caller cancels, or the callee
   * declines. A hang-up wins: when the engine cannot be reached, the call this
   * instance knows is ended here at once and in the engine once it is back.
   */
  endCall(session: Session, payload: PayloadOf<"call:end">): Promise<void> {
    return this.#retrying(session, "call:end", async () => {
      const call = await this.#between(session.userId, payload.to);
      if (!call || !this.#isPartyDevice(call, session)) {
        this.#error(
          session,
          "not-in-call",
          `You are not in a call with ${payload.to}.`,
          "call:end",
        );
        return true;
      }
      const ringing = call.phase === "ringing";
      const reason = endReason(call, session.userId, payload);
      if (!await this.#end(call, reason)) return false;
      await this.#toParty(call, payload.to, {
        type: "call:end",
        payload: { ...payload, reason },
      }, "ended");
      // A callee that declines from one device stops its other devices ringing; the caller's
      // cancel has already reached them all as the addressee.
      if (ringing && call.callee === session.userId) {
        await this.#stopRinging(call, session, reason, true);
      }
      return true;
    }).catch((error) => {
      const known = this.calls.between(session.userId, payload.to);
      if (!known || !this.#isPartyDevice(known, session)) throw error;
      this.#observer.engineFailed?.("call:end", error);
      this.#hangUpLater(
        known,
        session.userId,
        endReason(known, session.userId, payload),
      );
    });
  }

  /**
   * `call:resume`: a device reconnected in a call, perhaps to another
   * instance. The engine may have kept the call (it waited the grace period)
   * or lost it (the server restarted); then the call is restored once the
   * other party resumes it too.
   */
  resumeCall(
    session: Session,
    payload: PayloadOf<"call:resume">,
  ): Promise<void> {
    const { userId, deviceId } = session;
    const peer = payload.to;
    return this.#retrying(session, "call:resume", async () => {
      const existing = await this.#between(userId, peer);
      if (existing?.phase === "active") {
        const moved = await this.#moveHere(existing, session);
        if (!moved) return false;
        this.calls.put(moved);
        if (this.#isPartyDevice(moved, session)) this.#cancelGrace(userId);
        return true;
      }
      if (await this.engine.callOf(userId)) {
        this.#error(session, "already-in-call", undefined, "call:resume");
        return true;
      }
      const theirs = this.#resumeClaims.get(peer);
      if (theirs?.peer === userId && !await this.engine.callOf(peer)) {
        const call: Call = {
          ...this.#newCall(
            { userId: peer, deviceId: theirs.deviceId },
            userId,
            {
              hasVideo: true,
              hasAudio: true,
            },
          ),
          phase: "active",
          calleeDevice: deviceId,
          calleeInstance: this.engine.instanceId,
        };
        if (!await this.engine.swapCall([peer, userId], undefined, call)) {
          return false;
        }
        this.#timers.clear(theirs.timer);
        this.#resumeClaims.delete(peer);
        this.calls.put(call);
        await this.#announceInCall(call, true);
        return true;
      }
      this.#claimResume(session, peer);
      return true;
    });
  }

  /** `ping`: the client checks the connection is alive. */
  pong(session: Session): void {
    send(session.socket, { type: "pong", payload: {} });
  }

  /** Stops the engine: other instances no longer reach this one. */
  stop(): Promise<void> {
    this.#presence?.stop();
    if (this.#hangupRetry !== null) this.#timers.clear(this.#hangupRetry);
    this.#hangupRetry = null;
    return this.engine.close();
  }

  /** The async part of joining: the engine records the device, then presence and a ringing call. */
  async #joined(session: Session, firstConnection: boolean): Promise<void> {
    const { userId, socket, deviceId } = session;
    const { wentOnline, movedFrom } = await this.engine.deviceJoined(
      userId,
      deviceId,
    );
    if (movedFrom !== null) {
      // The page reconnected here while its old connection lingers there: only
      // now that the device is recorded here may the old one close and leave.
      this.engine.send(movedFrom, {
        user: userId,
        device: deviceId,
        replaced: true,
      });
    }
    if (this.#presence) {
      await this.#presence.joined(session);
      if (wentOnline) this.#presenceChanged({ userId, online: true });
    }
    const call = await this.engine.callOf(userId);
    if (!call) return;
    this.calls.put(call);
    if (this.#isPartyDevice(call, session)) this.#cancelGrace(userId);
    if (call.phase === "ringing" && call.callee === userId && firstConnection) {
      // A device that comes online while its user is being called rings too.
      send(socket, {
        type: "call:request",
        payload: {
          from: call.caller,
          to: userId,
          hasVideo: call.hasVideo,
          hasAudio: call.hasAudio,
        },
      });
    }
  }

  /**
   * A device left, here or on an instance that died: its call waits the
   * grace period for it, and its user's contacts learn when it was the last.
   */
  async #deviceGone(
    userId: string,
    deviceId: string,
    offline: boolean,
  ): Promise<void> {
    const call = await this.engine.callOf(userId);
    if (
      call && (deviceOf(call, userId) ?? deviceId) === deviceId &&
      !await this.#partyConnected(call, userId)
    ) {
      this.#startGrace(userId, call);
    }
    if (offline) this.#presenceChanged({ userId, online: false });
  }

  /** A resumed call on this session's device and instance, swapped in when it moved. */
  async #moveHere(call: Call, session: Session): Promise<Call | null> {
    const { userId, deviceId } = session;
    const device = deviceOf(call, userId);
    const here = this.engine.instanceId;
    if (device === deviceId && instanceOf(call, userId) === here) return call;
    // Another device of the user that is still connected keeps the call.
    if (
      device !== deviceId &&
      (await this.engine.devicesOf(userId)).has(device!)
    ) {
      return call;
    }
    const moved = nextCall(
      call,
      call.caller === userId
        ? { callerDevice: deviceId, callerInstance: here }
        : { calleeDevice: deviceId, calleeInstance: here },
    );
    if (!await this.engine.swapCall([call.caller, call.callee], call, moved)) {
      return null;
    }
    // The peer's instance relays to where this device is now; the instance it
    // left (if alive) drops its copy.
    await this.#toParty(moved, peerOf(moved, userId), undefined, "changed");
    const left = instanceOf(call, userId);
    if (left !== null && left !== here) {
      this.engine.send(left, { user: userId, device: null, call: moved });
    }
    return moved;
  }

  #claimResume(session: Session, peer: string): void {
    const { userId, deviceId } = session;
    const previous = this.#resumeClaims.get(userId);
    if (previous) this.#timers.clear(previous.timer);
    this.#resumeClaims.set(userId, {
      deviceId,
      peer,
      timer: this.#timers.set(() => {
        if (this.#resumeClaims.get(userId)?.peer !== peer) return;
        this.#resumeClaims.delete(userId);
        const device = this.registry.get(userId, deviceId);
        if (device) {
          send(device.socket, {
            type: "call:end",
            payload: { from: peer, to: userId, reason: "peer-gone" },
          });
        }
      }, this.#options.resumeGraceMs ?? DEFAULT_RESUME_GRACE_MS),
    });
  }

  /**
   * Two users called each other at once: the call placed by the lower id
   * stands. `devices`: where the callee's devices are, as read with the calls.
   */
  async #glare(
    session: Session,
    theirs: Call,
    payload: PayloadOf<"call:request">,
    devices: Map<string, string>,
  ): Promise<boolean> {
    const { userId } = session;
    if (theirs.caller < userId) {
      this.#observer.callEnded?.(userId, theirs.caller, "glare");
      send(session.socket, {
        type: "call:response",
        payload: {
          from: theirs.caller,
          to: userId,
          accepted: false,
          reason: "glare",
        },
      });
      return true;
    }
    const mine = this.#newCall(session, payload.to, payload);
    if (!await this.engine.swapCall([userId, theirs.caller], theirs, mine)) {
      return false;
    }
    this.#forgetCall(theirs);
    this.#observer.callEnded?.(theirs.caller, theirs.callee, "glare");
    await this.#toParty(theirs, theirs.caller, {
      type: "call:response",
      payload: {
        from: userId,
        to: theirs.caller,
        accepted: false,
        reason: "glare",
      },
    }, "ended");
    await this.#stopRinging(theirs, session, "glare", true);
    this.#ring(mine, payload, devices);
    return true;
  }

  /** A new call from a caller's device to `callee`, ringing. */
  #newCall(
    caller: { userId: string; deviceId: string },
    callee: string,
    media: { hasVideo: boolean; hasAudio: boolean },
  ): Call {
    return {
      id: crypto.randomUUID(),
      version: 0,
      caller: caller.userId,
      callee,
      callerDevice: caller.deviceId,
      callerInstance: this.engine.instanceId,
      calleeDevice: null,
      calleeInstance: null,
      phase: "ringing",
      hasVideo: media.hasVideo,
      hasAudio: media.hasAudio,
    };
  }

  /** Rings every device of the callee (`devices`: where they are connected). */
  #ring(
    call: Call,
    payload: PayloadOf<"call:request">,
    devices: Map<string, string>,
  ): void {
    this.calls.put(call);
    this.#observer.callRinging?.(call);
    this.#ringTimers.set(
      call.id,
      this.#timers.set(
        () => this.#inBackground("ring.timeout", this.#ringTimedOut(call)),
        this.#options.ringTimeoutMs,
      ),
    );
    this.#toEveryDevice(devices, {
      user: call.callee,
      text: JSON.stringify({ type: "call:request", payload }),
      call,
    });
    this.#relayedNow("call:request");
  }

  /** Tells the callee's other devices, which were ringing, that the ring is over. */
  async #stopRinging(
    call: Call,
    except: Session,
    reason: EndReason,
    ended: boolean,
  ): Promise<void> {
    this.#toEveryDevice(await this.engine.devicesOf(call.callee), {
      user: call.callee,
      except: except.deviceId,
      text: JSON.stringify({
        type: "call:end",
        payload: { from: call.caller, to: call.callee, reason },
      }),
      call,
      ended,
    });
  }

  /** The call between two users, as the engine has it now. */
  async #between(userId: string, peerId: string): Promise<Call | undefined> {
    const call = await this.engine.callOf(userId);
    return call && peerOf(call, userId) === peerId ? call : undefined;
  }

  /** Whether a session may relay WebRTC messages in a call: it is active and on this device. */
  #mayRelay(call: Call, session: Session): boolean {
    return call.phase === "active" &&
      deviceOf(call, session.userId) === session.deviceId;
  }

  /** Whether the call needs this session's device. */
  #isPartyDevice(call: Call, session: Session): boolean {
    const device = deviceOf(call, session.userId);
    return device === null || device === session.deviceId;
  }

  /** Whether a party of a call still has the device the call needs, on any instance. */
  async #partyConnected(call: Call, userId: string): Promise<boolean> {
    const device = deviceOf(call, userId);
    const devices = await this.engine.devicesOf(userId);
    return device === null ? devices.size > 0 : devices.has(device);
  }

  #startGrace(userId: string, call: Call): void {
    if (this.#graceTimers.has(userId)) return;
    this.#graceTimers.set(
      userId,
      this.#timers.set(() => {
        this.#graceTimers.delete(userId);
        this.#inBackground("grace.expired", this.#graceExpired(userId, call));
      }, this.#options.resumeGraceMs ?? DEFAULT_RESUME_GRACE_MS),
    );
  }

  async #graceExpired(userId: string, call: Call): Promise<void> {
    for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
      const current = await this.engine.callOf(userId);
      if (
        current?.id !== call.id || await this.#partyConnected(current, userId)
      ) return;
      if (!await this.#end(current, "peer-gone")) continue;
      const peer = peerOf(current, userId);
      await this.#toParty(current, peer, {
        type: "call:end",
        payload: { from: userId, to: peer, reason: "peer-gone" },
      }, "ended");
      return;
    }
  }

  #cancelGrace(userId: string): void {
    const timer = this.#graceTimers.get(userId);
    if (timer === undefined) return;
    this.#timers.clear(timer);
    this.#graceTimers.delete(userId);
  }

  /** Drops what the hub keeps for a session: its timers and limits. */
  #forget(session: Session): void {
    for (const timer of this.#sessions.get(session)?.timers ?? []) {
      this.#timers.clear(timer);
    }
    this.#sessions.delete(session);
  }

  /** One sweep for all heartbeat sessions, while there are any: a timer per session would cost more. */
  #watchHeartbeats(): void {
    if (this.#heartbeatSweep !== null) return;
    const timeout = this.#options.heartbeatTimeoutMs ??
      DEFAULT_HEARTBEAT_TIMEOUT_MS;
    this.#heartbeatSweep = this.#timers.set(() => {
      this.#heartbeatSweep = null;
      const now = this.#now();
      let watched = false;
      for (const [session, state] of this.#sessions) {
        if (state.lastHeard === null || state.closing) continue;
        if (now - state.lastHeard > timeout) {
          state.closing = true;
          session.socket.close(CLOSE_CODES.silent, "no heartbeat");
        } else {
          watched = true;
        }
      }
      if (watched) this.#watchHeartbeats();
    }, timeout / 3);
  }

  /** A frame over the size cap: the sender hears why and is cut off, so one socket costs one such frame. */
  #tooLarge(session: Session, state: SessionGuards): void {
    this.#error(session, "too-large");
    state.closing = true;
    session.socket.close(CLOSE_CODES.tooLarge, "frame too large");
  }

  /** Answers a message over a limit; a client that keeps on is disconnected. */
  #refuse(session: Session, state: SessionGuards, inReplyTo?: string): void {
    if (!state.refusals.take()) {
      state.closing = true;
      session.socket.close(CLOSE_CODES.policy, "rate limit exceeded");
      return;
    }
    this.#error(session, "rate-limited", undefined, inReplyTo);
  }

  #scheduleIceRefresh(session: Session, refresh: IceRefresh): unknown {
    return this.#timers.set(async () => {
      const state = this.#sessions.get(session);
      if (!state) return;
      state.timers.push(this.#scheduleIceRefresh(session, refresh));
      const iceServers = await refresh.forUser(session.userId);
      if (this.#sessions.has(session)) {
        send(session.socket, {
          type: "session:ice-servers",
          payload: { iceServers },
        });
      }
    }, refresh.everyMs);
  }

  async #ringTimedOut(call: Call): Promise<void> {
    this.#ringTimers.delete(call.id);
    for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
      const current = await this.engine.callOf(call.caller);
      if (current?.id !== call.id || current.phase !== "ringing") return;
      if (!await this.#end(current, "no-answer")) continue;
      await this.#toParty(current, call.caller, {
        type: "call:end",
        payload: { from: call.callee, to: call.caller, reason: "no-answer" },
      }, "ended");
      await this.#toParty(current, call.callee, {
        type: "call:end",
        payload: { from: call.caller, to: call.callee, reason: "no-answer" },
      }, "ended");
      return;
    }
  }

  /** Ends a call in the engine; false when it had changed meanwhile. */
  async #end(call: Call, reason: EndReason): Promise<boolean> {
    if (
      !await this.engine.swapCall([call.caller, call.callee], call, undefined)
    ) {
      return false;
    }
    this.#forgetCall(call);
    if (call.phase === "active") await this.#announceInCall(call, false);
    this.#observer.callEnded?.(call.caller, call.callee, reason);
    return true;
  }

  /** Drops this instance's copy of an ended call and its timers. */
  #forgetCall(call: Call): void {
    this.calls.remove(call);
    this.#clearRingTimer(call.id);
    for (const user of [call.caller, call.callee]) this.#cancelGrace(user);
  }

  #clearRingTimer(callId: string): void {
    const handle = this.#ringTimers.get(callId);
    if (handle !== undefined) this.#timers.clear(handle);
    this.#ringTimers.delete(callId);
  }

  /**
   * Sends to a party of a call, wherever it is connected: the device it takes
   * part on, or every device while ringing. `message` may be left out when
   * only the call's new state is news to the party's instance.
   */
  #toParty(
    call: Call,
    userId: string,
    message: ServerMessage | undefined,
    news?: "changed" | "ended",
  ): void | Promise<void> {
    const envelope: Omit<Envelope, "device"> = {
      user: userId,
      text: message && JSON.stringify(message),
      ...(news && { call, ended: news === "ended" }),
    };
    const device = deviceOf(call, userId);
    const instance = instanceOf(call, userId);
    if (device !== null && instance !== null) {
      this.#deliver(instance, { ...envelope, device });
      if (message) this.#relayedNow(message.type);
      return;
    }
    return this.engine.devicesOf(userId).then((devices) => {
      this.#toEveryDevice(devices, envelope);
      if (message) this.#relayedNow(message.type);
    });
  }

  /** Delivers to every device of `envelope.user` (`devices`: where each is), one envelope per instance. */
  #toEveryDevice(
    devices: Map<string, string>,
    envelope: Omit<Envelope, "device">,
  ): void {
    for (const instance of new Set(devices.values())) {
      this.#deliver(instance, { ...envelope, device: null });
    }
  }

  /** The hot path: a WebRTC message to the peer's device in an active call, with no news of the call. */
  #relay(call: Call, to: string, message: ServerMessage): void {
    const device = deviceOf(call, to)!;
    const instance = instanceOf(call, to)!;
    const text = JSON.stringify(message);
    if (instance !== this.engine.instanceId) {
      this.engine.send(instance, { user: to, device, text });
    } else {
      const target = this.registry.get(to, device);
      if (!target) return;
      sendText(target.socket, text);
    }
    this.#relayedNow(message.type);
  }

  #relayedNow(type: string): void {
    if (this.#observer.relayed && isRelayedType(type)) {
      this.#observer.relayed(
        type,
        (performance.now() - this.#frameArrived) / 1000,
      );
    }
  }

  /** Hands an envelope to the instance it is for: this one directly, another through the engine. */
  #deliver(instance: string, envelope: Envelope): void {
    if (instance === this.engine.instanceId) this.#deliverHere(envelope);
    else this.engine.send(instance, envelope);
  }

  /** An envelope for this instance: the call's news first, then the message to the devices. */
  #deliverHere(envelope: Envelope): void {
    if (envelope.replaced && envelope.device !== null) {
      this.registry.get(envelope.user, envelope.device)?.socket.close(
        CLOSE_CODES.replaced,
        "replaced by a newer connection",
      );
      return;
    }
    const { call, ended } = envelope;
    if (call && ended) {
      this.#forgetCall(call);
    } else if (call) {
      const at = instanceOf(call, envelope.user);
      const known = this.calls.of(envelope.user);
      if (
        at !== this.engine.instanceId &&
        !(at === null && this.registry.has(envelope.user))
      ) {
        // None of this user's devices here takes part (another answered, or it moved).
        this.calls.remove(call, envelope.user);
      } else if (known?.id !== call.id || known.version <= call.version) {
        this.calls.put(call);
      }
      if (call.phase === "active") this.#clearRingTimer(call.id);
    }
    if (envelope.text === undefined) return;
    if (envelope.device !== null) {
      const target = this.registry.get(envelope.user, envelope.device);
      if (target) sendText(target.socket, envelope.text);
      return;
    }
    for (const target of this.registry.devices(envelope.user)) {
      if (target.deviceId !== envelope.except) {
        sendText(target.socket, envelope.text);
      }
    }
  }

  /** Tells everyone whether the two parties of a call are in a call now (with presence on). */
  async #announceInCall(call: Call, inCall: boolean): Promise<void> {
    if (!this.#presence) return;
    for (const userId of [call.caller, call.callee]) {
      const online = (await this.engine.devicesOf(userId)).size > 0;
      this.#presenceChanged({ userId, online, inCall });
    }
  }

  /** A change of presence, for this instance's sessions and every other instance's. */
  #presenceChanged(change: PresenceUpdate): void {
    if (!this.#presence) return;
    this.#presence.change(change);
    this.engine.broadcast({ presence: change });
  }

  *#localDevices(): IterableIterator<{ user: string; device: string }> {
    for (const session of this.registry.sessions()) {
      yield { user: session.userId, device: session.deviceId };
    }
  }

  /**
   * Records again what this instance holds, after the engine lost it or was
   * unreachable: its devices and their calls; then the hang-ups it could not
   * pass on meanwhile.
   */
  async #rebuild(): Promise<void> {
    const calls = new Map<string, Call>();
    for (const session of this.registry.sessions()) {
      await this.engine.deviceJoined(session.userId, session.deviceId);
      const call = this.calls.of(session.userId);
      if (call) calls.set(call.id, call);
    }
    for (const call of calls.values()) {
      // A call that ended while the devices were recorded (its other party's
      // hang-up arrived) stays ended.
      if (this.calls.of(call.caller)?.id !== call.id) continue;
      // Both parties' instances may restore the same call; the first one does.
      await this.engine.swapCall([call.caller, call.callee], undefined, call);
    }
    await this.#settleHangups();
  }

  /**
   * A hang-up the engine could not take: the call ends here at once (nothing
   * restores it), and in the engine, with the other party told, once the
   * engine is back.
   */
  #hangUpLater(call: Call, from: string, reason: EndReason): void {
    this.#forgetCall(call);
    this.#hangups.set(call.id, {
      call,
      from,
      to: peerOf(call, from),
      reason,
      told: false,
    });
    this.#retryHangups();
  }

  #retryHangups(): void {
    this.#hangupRetry ??= this.#timers.set(() => {
      this.#hangupRetry = null;
      this.#inBackground("call:end", this.#settleHangups());
    }, HANGUP_RETRY_MS);
  }

  /**
   * Ends each waiting hang-up's call in the engine and tells its other party.
   * Once told, the call is looked for once more a moment later: another
   * instance restoring what it held may have brought it back meanwhile.
   */
  async #settleHangups(): Promise<void> {
    for (const [id, hangup] of this.#hangups) {
      const { call, from, to, reason } = hangup;
      try {
        const current = await this.engine.callOf(from);
        const restored = current?.id === id;
        if (restored && !await this.#end(current, reason)) continue;
        if (!restored && hangup.told) {
          this.#hangups.delete(id);
          continue;
        }
        // The peer hears the hang-up once; its instance drops its copy each
        // time the call is ended, since it may be the one that restored it.
        await this.#toParty(
          call,
          to,
          hangup.told ? undefined : {
            type: "call:end",
            payload: { from, to, reason },
          },
          "ended",
        );
        hangup.told = true;
      } catch (error) {
        this.#observer.engineFailed?.("call:end", error);
      }
    }
    if (this.#hangups.size > 0) this.#retryHangups();
  }

  /**
   * Runs a session's frames one after another: a frame that waits on the
   * engine holds back the next, so that an answer never overtakes its offer.
   * A frame that needs no engine runs at once when nothing waits.
   */
  #inOrder(
    session: Session,
    state: SessionGuards,
    operation: string,
    handle: () => void | Promise<void>,
  ): Promise<void> | void {
    const run = () => {
      try {
        const result = handle();
        return result &&
          result.catch((error) => this.#failed(session, operation, error));
      } catch (error) {
        this.#failed(session, operation, error);
      }
    };
    const result = state.pending ? state.pending.then(run) : run();
    if (!result) return;
    state.pending = result;
    result.then(() => {
      if (state.pending === result) state.pending = null;
    });
    return result;
  }

  /** Runs a change of a call until it is not overtaken by another instance's change. */
  async #retrying(
    session: Session,
    inReplyTo: ClientType,
    attempt: () => Promise<boolean>,
  ): Promise<void> {
    for (let tries = 0; tries < SWAP_ATTEMPTS; tries++) {
      if (await attempt()) return;
    }
    this.#error(
      session,
      "unavailable",
      "The call kept changing under this message; try again.",
      inReplyTo,
    );
  }

  /** The engine failed while handling a session's frame: the session hears of it. */
  #failed(session: Session, operation: string, error: unknown): void {
    this.#observer.engineFailed?.(operation, error);
    if (this.#sessions.has(session)) {
      const inReplyTo = operation === "join" ? undefined : operation;
      this.#error(session, "unavailable", undefined, inReplyTo);
    }
  }

  /** Runs work nobody waits for; a failure is reported, never thrown. */
  #inBackground(operation: string, work: Promise<void>): Promise<void> {
    return work.catch((error) =>
      this.#observer.engineFailed?.(operation, error)
    );
  }

  #error(
    session: Session,
    code: ErrorCode,
    message?: string,
    inReplyTo?: string,
  ): void {
    this.#observer.refused?.(code, session.userId);
    send(session.socket, {
      type: "error",
      payload: {
        code,
        message: message ?? ERROR_CODES[code],
        ...(inReplyTo && { inReplyTo }),
      },
    });
  }
}
