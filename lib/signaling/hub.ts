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
 * @module
 */
import {
  type ClientType,
  CLOSE_CODES,
  type EndReason,
  ERROR_CODES,
  type ErrorCode,
  isRelayedType,
  parseClientFrame,
  type PayloadOf,
  type RelayedType,
  type ServerMessage,
} from "../protocol.ts";
import { type Call, CallTable, deviceOf, peerOf } from "./call_table.ts";
import { Registry } from "./registry.ts";
import {
  DEFAULT_LIMITS,
  type MessageLimits,
  TokenBucket,
} from "./rate_limit.ts";
import type { Session, SignalingSocket } from "./session.ts";

/** Timers, injectable so tests control time. */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

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
  /** Keeps each session's ICE servers fresh, when they expire. */
  iceRefresh?: IceRefresh;
  limits?: MessageLimits;
  observer?: Partial<HubObserver>;
  timers?:
    Timers; /** The clock in milliseconds; `Date.now` unless a test says otherwise. */
  now?: () => number;
  /** Heartbeat sessions silent for this long are closed as dead. */
  heartbeatTimeoutMs?: number;
}

/** What a session brings when it joins. */
export interface JoinOptions {
  /** The page's device id; a new one is made when absent. */
  deviceId?: string;
  iceServers?:
    RTCIceServer[]; /** When its token expires (ms since the epoch); the socket is closed then. */
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

/** What the hub keeps per session besides the registry entry. */
interface SessionState {
  messages: TokenBucket;
  callRequests: TokenBucket;
  refusals: TokenBucket;
  timers:
    unknown[]; /** The hub has closed this socket; what still arrives is not read. */
  closing: boolean;
  /** When the hub last heard from a heartbeat session (ms), or `null` for others. */
  lastHeard: number | null;
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
) => void;

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

function sendText(socket: SignalingSocket, text: string): void {
  try {
    socket.send(text);
  } catch {
    // The socket is closing; its close handler will clean up.
  }
}

function send(socket: SignalingSocket, message: ServerMessage): void {
  sendText(socket, JSON.stringify(message));
}

function newDeviceId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(9)),
    (b) => b.toString(36).padStart(2, "0"),
  )
    .join("");
}

/** The signaling hub of one server. */
export class SignalingHub {
  /** The connected users and their devices. */
  readonly registry = new Registry();
  /** The calls ringing or in progress. */
  readonly calls = new CallTable();
  #options: HubOptions;
  #timers: Timers;
  #now: () => number;
  #limits: MessageLimits;
  #observer: Partial<HubObserver>;
  #sessions = new Map<Session, SessionState>();
  #ringTimers = new Map<Call, unknown>();
  /** Users in a call whose device is gone, and the timer that ends their call. */
  #graceTimers = new Map<string, unknown>();
  #resumeClaims = new Map<string, ResumeClaim>();
  #heartbeatSweep: unknown = null;
  /** When the frame being handled arrived (`performance.now()`). */
  #frameArrived = 0;

  constructor(options: HubOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#limits = options.limits ?? DEFAULT_LIMITS;
    this.#observer = options.observer ?? {};
    this.#timers = options.timers ?? {
      set: (callback, ms) => setTimeout(callback, ms),
      clear: (handle) => clearTimeout(handle as number),
    };
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
      deviceId: join.deviceId ?? newDeviceId(),
      socket,
    };
    const wasOnline = this.registry.has(userId);
    const replaced = this.registry.add(session);
    if (replaced) {
      this.#forget(replaced);
      replaced.socket.close(
        CLOSE_CODES.replaced,
        "replaced by a newer connection",
      );
    }
    const limits = this.#limits;
    const state: SessionState = {
      messages: new TokenBucket(
        limits.messageBurst,
        limits.messagesPerSecond,
        this.#now,
      ),
      callRequests: new TokenBucket(
        limits.callRequestBurst,
        limits.callRequestsPerMinute / 60,
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
    };
    if (join.heartbeat) this.#watchHeartbeats();
    this.#sessions.set(session, state);
    if (join.expiresAt !== undefined) {
      state.timers.push(this.#timers.set(
        () => socket.close(CLOSE_CODES.policy, "token expired"),
        Math.max(0, join.expiresAt - this.#now()),
      ));
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
        presence: this.#options.presence ?? true,
      },
    });
    const presence = this.#options.presence ?? true;
    if (presence) {
      const users = this.registry.users();
      const inCall = users.filter((user) =>
        this.calls.of(user)?.phase === "active"
      );
      send(socket, { type: "presence:list", payload: { users, inCall } });
    }
    if (presence && !wasOnline) {
      this.#broadcast(session, {
        type: "presence:update",
        payload: { userId, online: true },
      });
    }
    const call = this.calls.of(userId);
    if (call && this.#isPartyDevice(call, session)) this.#cancelGrace(userId);
    if (call?.phase === "ringing" && call.callee === userId && !replaced) {
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
    return session;
  }

  /** Handles one frame from a session: text frames only. */
  receive(session: Session, frame: unknown): void {
    this.#frameArrived = performance.now();
    const state = this.#sessions.get(session);
    if (!state || state.closing) return;
    if (state.lastHeard !== null) state.lastHeard = this.#now();
    if (!state.messages.take()) return this.#refuse(session, state);
    if (typeof frame !== "string") return this.#error(session, "binary-frame");
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
    if (type === "call:request" && !state.callRequests.take()) {
      return this.#refuse(session, state, "call:request");
    }
    (routes[type] as Route<typeof type>)(this, session, {
      ...payload,
      from: session.userId,
    } as PayloadOf<typeof type>);
  }

  /**
   * Removes a session whose socket closed. A call that needed this device
   * waits the grace period for it to come back, then ends with `peer-gone`.
   */
  disconnect(session: Session): void {
    this.#forget(session);
    if (!this.registry.remove(session)) return;
    const { userId } = session;
    this.#observer.sessionClosed?.(userId);
    const call = this.calls.of(userId);
    if (
      call && this.#isPartyDevice(call, session) &&
      !this.#partyConnected(call, userId)
    ) {
      this.#startGrace(userId, call);
    }
    if (!this.registry.has(userId) && (this.#options.presence ?? true)) {
      this.#broadcast(session, {
        type: "presence:update",
        payload: { userId, online: false },
      });
    }
  } /** One sweep for all heartbeat sessions, while there are any: a timer per session would cost more. */
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

  /** Closes every socket, e.g. with 1012 when the server restarts. */
  closeAll(code: number, reason: string): void {
    for (const session of [...this.registry.sessions()]) {
      session.socket.close(code, reason);
    }
  }

  /** `call:request`: ring every device of the callee, or answer why not. */
  requestCall(session: Session, payload: PayloadOf<"call:request">): void {
    const { userId } = session;
    const { to } = payload;
    if (to === userId) {
      return this.#error(session, "self-call", undefined, "call:request");
    }
    const mine = this.calls.of(userId);
    if (
      mine?.phase === "ringing" && mine.caller === to && mine.callee === userId
    ) {
      return this.#glare(session, mine, payload);
    }
    if (mine) {
      return this.#error(session, "already-in-call", undefined, "call:request");
    }
    if (!this.registry.has(to)) {
      return this.#error(
        session,
        "peer-unavailable",
        `${to} is not online.`,
        "call:request",
      );
    }
    if (this.calls.of(to)) {
      this.#observer.callEnded?.(userId, to, "busy");
      send(session.socket, {
        type: "call:response",
        payload: { from: to, to: userId, accepted: false, reason: "busy" },
      });
      return;
    }
    this.#ring(session, payload);
  }

  /** `call:response`: a device of the callee answers a ringing call. */
  respondToCall(session: Session, payload: PayloadOf<"call:response">): void {
    const { userId } = session;
    const call = this.calls.between(userId, payload.to);
    if (!call || call.phase !== "ringing" || call.callee !== userId) {
      return this.#error(
        session,
        "not-in-call",
        `${payload.to} is not calling you.`,
        "call:response",
      );
    }
    const reason = payload.accepted
      ? "answered-elsewhere"
      : payload.reason ?? "declined";
    if (payload.accepted) {
      call.phase = "active";
      call.calleeDevice = session.deviceId;
      this.#clearRingTimer(call);
      this.#observer.callAnswered?.(call);
    } else {
      this.#finish(call, reason);
    }
    this.#toParty(call, call.caller, { type: "call:response", payload });
    this.#stopRinging(call, session, reason);
    if (payload.accepted) this.#announceInCall(call, true);
  }

  /** `webrtc:*`: only between the two devices of an accepted call. */
  relayInCall(
    session: Session,
    type: "webrtc:offer" | "webrtc:answer" | "webrtc:candidate",
    payload: PayloadOf<"webrtc:offer" | "webrtc:answer" | "webrtc:candidate">,
  ): void {
    const call = this.calls.between(session.userId, payload.to);
    if (
      !call || call.phase !== "active" ||
      deviceOf(call, session.userId) !== session.deviceId
    ) {
      return this.#error(
        session,
        "not-in-call",
        `You are not in a call with ${payload.to}.`,
        type,
      );
    }
    this.#toParty(call, payload.to, { type, payload } as ServerMessage);
  }

  /** `call:end`: either party hangs up, the caller cancels, or the callee declines. */
  endCall(session: Session, payload: PayloadOf<"call:end">): void {
    const call = this.calls.between(session.userId, payload.to);
    if (!call || !this.#isPartyDevice(call, session)) {
      return this.#error(
        session,
        "not-in-call",
        `You are not in a call with ${payload.to}.`,
        "call:end",
      );
    }
    const ringing = call.phase === "ringing";
    const reason = payload.reason ??
      (!ringing
        ? "hangup"
        : call.caller === session.userId
        ? "cancelled"
        : "declined");
    this.#finish(call, reason);
    this.#toParty(call, payload.to, {
      type: "call:end",
      payload: { ...payload, reason },
    }); // A callee that declines from one device stops its other devices ringing; the caller's
    // cancel has already reached them all as the addressee.
    if (ringing && call.callee === session.userId) {
      this.#stopRinging(call, session, reason);
    }
  }

  /**
   * `call:resume`: a device reconnected in a call. The server may have kept
   * the call (it waited the grace period) or lost it (it restarted); then the
   * call is restored once the other party resumes it too.
   */
  resumeCall(session: Session, payload: PayloadOf<"call:resume">): void {
    const { userId, deviceId } = session;
    const peer = payload.to;
    const existing = this.calls.between(userId, peer);
    if (existing?.phase === "active") {
      if (!this.registry.get(userId, deviceOf(existing, userId)!)) {
        if (existing.caller === userId) existing.callerDevice = deviceId;
        else existing.calleeDevice = deviceId;
      }
      if (this.#isPartyDevice(existing, session)) this.#cancelGrace(userId);
      return;
    }
    if (this.calls.of(userId)) {
      return this.#error(session, "already-in-call", undefined, "call:resume");
    }
    const theirs = this.#resumeClaims.get(peer);
    if (theirs?.peer === userId && !this.calls.of(peer)) {
      this.#timers.clear(theirs.timer);
      this.#resumeClaims.delete(peer);
      this.#announceInCall(
        this.calls.resume(peer, theirs.deviceId, userId, deviceId),
        true,
      );
      return;
    }
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

  /** `ping`: the client checks the connection is alive. */
  pong(session: Session): void {
    send(session.socket, { type: "pong", payload: {} });
  }

  /** Two users called each other at once: the call placed by the lower id stands. */
  #glare(
    session: Session,
    theirs: Call,
    payload: PayloadOf<"call:request">,
  ): void {
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
      return;
    }
    this.#finish(theirs, "glare");
    this.#toParty(theirs, theirs.caller, {
      type: "call:response",
      payload: {
        from: userId,
        to: theirs.caller,
        accepted: false,
        reason: "glare",
      },
    });
    this.#stopRinging(theirs, session, "glare");
    this.#ring(session, payload);
  }

  #ring(session: Session, payload: PayloadOf<"call:request">): void {
    const call = this.calls.ring(
      session.userId,
      session.deviceId,
      payload.to,
      payload,
    );
    this.#observer.callRinging?.(call);
    this.#ringTimers.set(
      call,
      this.#timers.set(
        () => this.#ringTimedOut(call),
        this.#options.ringTimeoutMs,
      ),
    );
    this.#toParty(call, payload.to, { type: "call:request", payload });
  }

  /** Tells the callee's other devices, which were ringing, that the ring is over. */
  #stopRinging(call: Call, except: Session, reason: EndReason): void {
    for (const device of this.registry.devices(call.callee)) {
      if (device === except || device.deviceId === call.calleeDevice) continue;
      send(device.socket, {
        type: "call:end",
        payload: { from: call.caller, to: call.callee, reason },
      });
    }
  }

  /** Whether the call needs this session's device. */
  #isPartyDevice(call: Call, session: Session): boolean {
    const device = deviceOf(call, session.userId);
    return device === null || device === session.deviceId;
  }

  /** Whether a party of a call still has the device the call needs. */
  #partyConnected(call: Call, userId: string): boolean {
    const device = deviceOf(call, userId);
    return device === null
      ? this.registry.has(userId)
      : this.registry.get(userId, device) !== undefined;
  }

  #startGrace(userId: string, call: Call): void {
    if (this.#graceTimers.has(userId)) return;
    this.#graceTimers.set(
      userId,
      this.#timers.set(() => {
        this.#graceTimers.delete(userId);
        if (
          this.calls.of(userId) !== call || this.#partyConnected(call, userId)
        ) return;
        const peer = peerOf(call, userId);
        this.#finish(call, "peer-gone");
        this.#toParty(call, peer, {
          type: "call:end",
          payload: { from: userId, to: peer, reason: "peer-gone" },
        });
      }, this.#options.resumeGraceMs ?? DEFAULT_RESUME_GRACE_MS),
    );
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

  /** Answers a message over a limit; a client that keeps on is disconnected. */
  #refuse(session: Session, state: SessionState, inReplyTo?: string): void {
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

  #ringTimedOut(call: Call): void {
    this.#ringTimers.delete(call);
    if (this.calls.of(call.caller) !== call || call.phase !== "ringing") return;
    this.#finish(call, "no-answer");
    this.#toParty(call, call.caller, {
      type: "call:end",
      payload: { from: call.callee, to: call.caller, reason: "no-answer" },
    });
    this.#toParty(call, call.callee, {
      type: "call:end",
      payload: { from: call.caller, to: call.callee, reason: "no-answer" },
    });
  }
  #finish(call: Call, reason: EndReason): void {
    this.#clearRingTimer(call);
    this.calls.end(call);
    if (call.phase === "active") this.#announceInCall(call, false);
    for (const user of [call.caller, call.callee]) this.#cancelGrace(user);
    this.#observer.callEnded?.(call.caller, call.callee, reason);
  }

  #clearRingTimer(call: Call): void {
    const handle = this.#ringTimers.get(call);
    if (handle !== undefined) this.#timers.clear(handle);
    this.#ringTimers.delete(call);
  }

  /** Delivers to a party of a call: the device it takes part on, or all its devices while ringing. */
  #toParty(call: Call, userId: string, message: ServerMessage): void {
    const device = deviceOf(call, userId);
    const targets = device === null
      ? this.registry.devices(userId)
      : [this.registry.get(userId, device)].filter((s): s is Session =>
        s !== undefined
      );
    if (targets.length === 0) return;
    const text = JSON.stringify(message);
    for (const target of targets) sendText(target.socket, text);
    if (this.#observer.relayed && isRelayedType(message.type)) {
      this.#observer.relayed(
        message.type,
        (performance.now() - this.#frameArrived) / 1000,
      );
    }
  } /** Tells everyone whether the two parties of a call are in a call now (with presence on). */
  #announceInCall(call: Call, inCall: boolean): void {
    if (!(this.#options.presence ?? true)) return;
    for (const userId of [call.caller, call.callee]) {
      const text = JSON.stringify({
        type: "presence:update",
        payload: { userId, online: this.registry.has(userId), inCall },
      });
      for (const session of this.registry.sessions()) {
        sendText(session.socket, text);
      }
    }
  }

  #broadcast(except: Session, message: ServerMessage): void {
    const text = JSON.stringify(message);
    for (const session of this.registry.sessions()) {
      if (session.userId !== except.userId) sendText(session.socket, text);
    }
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
