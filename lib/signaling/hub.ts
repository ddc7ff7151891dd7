/**
 * The signaling hub: joins sessions, reads their frames and routes each
 * message to the user in `to`, with `from` stamped as the sender's own id.
 * It tracks calls so that only the two parties of a call can signal each
 * other, answers busy for users in a call and ends a call whose party leaves.
 */
import {
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
import { type Call, CallTable, peerOf } from "./call_table.ts";
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
  /** A call ended, or a call attempt was answered busy. */
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
  /** Handed to clients: `relay` hides their own addresses from each other. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Keeps each session's ICE servers fresh, when they expire. */
  iceRefresh?: IceRefresh;
  limits?: MessageLimits;
  observer?: Partial<HubObserver>;
  timers?: Timers;
  /** The clock in milliseconds; `Date.now` unless a test says otherwise. */
  now?: () => number;
}

/** What a session brings when it joins. */
export interface JoinOptions {
  iceServers?: RTCIceServer[];
  /** When its token expires (ms since the epoch); the socket is closed then. */
  expiresAt?: number;
}

/** What the hub keeps per session besides the registry entry. */
interface SessionState {
  messages: TokenBucket;
  callRequests: TokenBucket;
  refusals: TokenBucket;
  timers: unknown[];
  /** The hub has closed this socket; what still arrives is not read. */
  closing: boolean;
}

type Route<T extends RelayedType> = (
  hub: SignalingHub,
  session: Session,
  payload: PayloadOf<T>,
) => void;

const routes: { [T in RelayedType]: Route<T> } = {
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

/** The signaling hub of one server. */
export class SignalingHub {
  /** The connected users. */
  readonly registry = new Registry();
  /** The calls ringing or in progress. */
  readonly calls = new CallTable();
  #options: HubOptions;
  #timers: Timers;
  #now: () => number;
  #limits: MessageLimits;
  #ringTimers = new Map<Call, unknown>();
  #sessions = new Map<Session, SessionState>();
  #observer: Partial<HubObserver>;
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
   * Joins a socket under `userId` (already validated). A second connection
   * under a connected id is refused: it gets `id-in-use` and is closed, and
   * the first connection and its call carry on.
   */
  connect(
    userId: string,
    socket: SignalingSocket,
    join: JoinOptions = {},
  ): Session | undefined {
    const session: Session = { userId, socket };
    if (!this.registry.add(session)) {
      this.#error(
        session,
        "id-in-use",
        `${userId} is already connected elsewhere.`,
      );
      socket.close(CLOSE_CODES.idInUse, "user id already connected");
      return undefined;
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
    };
    this.#sessions.set(session, state);
    if (join.expiresAt !== undefined) {
      state.timers.push(this.#timers.set(
        () => socket.close(CLOSE_CODES.policy, "token expired"),
        Math.max(0, join.expiresAt - this.#now()),
      ));
    }
    this.#observer.sessionOpened?.(userId);
    const refresh = this.#options.iceRefresh;
    if (refresh) state.timers.push(this.#scheduleIceRefresh(session, refresh));
    send(socket, {
      type: "session:ready",
      payload: {
        userId,
        iceServers: join.iceServers ?? [],
        iceTransportPolicy: this.#options.iceTransportPolicy ?? "all",
      },
    });
    const users = [...this.registry.sessions()].map((s) => s.userId);
    send(socket, { type: "presence:list", payload: { users } });
    this.#broadcast(session, {
      type: "presence:update",
      payload: { userId, online: true },
    });
    return session;
  }

  /** Handles one frame from a session: text frames only. */
  receive(session: Session, frame: unknown): void {
    this.#frameArrived = performance.now();
    const state = this.#sessions.get(session);
    if (!state || state.closing) return;
    if (!state.messages.take()) return this.#refuse(session, state);
    if (typeof frame !== "string") {
      this.#error(session, "binary-frame");
      return;
    }
    const parsed = parseClientFrame(frame);
    if (!parsed.ok) {
      this.#error(session, parsed.code, parsed.message, parsed.inReplyTo);
      return;
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

  /** Closes every socket, e.g. with 1012 when the server restarts. */
  closeAll(code: number, reason: string): void {
    for (const session of this.registry.sessions()) {
      session.socket.close(code, reason);
    }
  }

  /** Removes a session whose socket closed; its call ends with `peer-gone`. */
  disconnect(session: Session): void {
    for (const timer of this.#sessions.get(session)?.timers ?? []) {
      this.#timers.clear(timer);
    }
    this.#sessions.delete(session);
    if (!this.registry.remove(session)) return;
    this.#observer.sessionClosed?.(session.userId);
    const call = this.calls.of(session.userId);
    if (call) {
      const peer = peerOf(call, session.userId);
      this.#finish(call, "peer-gone");
      this.#deliver(peer, {
        type: "call:end",
        payload: { from: session.userId, to: peer, reason: "peer-gone" },
      });
    }
    this.#broadcast(session, {
      type: "presence:update",
      payload: { userId: session.userId, online: false },
    });
  }

  /** `call:request`: ring the callee, or answer why not. */
  requestCall(session: Session, payload: PayloadOf<"call:request">): void {
    const { to } = payload;
    if (to === session.userId) {
      return this.#error(session, "self-call", undefined, "call:request");
    }
    if (this.calls.of(session.userId)) {
      return this.#error(session, "already-in-call", undefined, "call:request");
    }
    if (!this.registry.get(to)) {
      return this.#error(
        session,
        "peer-unavailable",
        `${to} is not online.`,
        "call:request",
      );
    }
    if (this.calls.of(to)) {
      this.#observer.callEnded?.(session.userId, to, "busy");
      send(session.socket, {
        type: "call:response",
        payload: {
          from: to,
          to: session.userId,
          accepted: false,
          reason: "busy",
        },
      });
      return;
    }
    const call = this.calls.ring(session.userId, to, payload);
    this.#observer.callRinging?.(call);
    this.#ringTimers.set(
      call,
      this.#timers.set(
        () => this.#ringTimedOut(call),
        this.#options.ringTimeoutMs,
      ),
    );
    this.#deliver(to, { type: "call:request", payload });
  }

  /** `call:response`: only the callee of a ringing call answers it. */
  respondToCall(session: Session, payload: PayloadOf<"call:response">): void {
    const call = this.calls.between(session.userId, payload.to);
    if (!call || call.phase !== "ringing" || call.callee !== session.userId) {
      return this.#error(
        session,
        "not-in-call",
        `${payload.to} is not calling you.`,
        "call:response",
      );
    }
    if (payload.accepted) {
      call.phase = "active";
      this.#clearRingTimer(call);
      this.#observer.callAnswered?.(call);
    } else {
      this.#finish(call, payload.reason ?? "declined");
    }
    this.#deliver(payload.to, { type: "call:response", payload });
  }

  /** `webrtc:*`: only between the two parties of an accepted call. */
  relayInCall(
    session: Session,
    type: "webrtc:offer" | "webrtc:answer" | "webrtc:candidate",
    payload: PayloadOf<"webrtc:offer" | "webrtc:answer" | "webrtc:candidate">,
  ): void {
    const call = this.calls.between(session.userId, payload.to);
    if (!call || call.phase !== "active") {
      return this.#error(
        session,
        "not-in-call",
        `You are not in a call with ${payload.to}.`,
        type,
      );
    }
    this.#deliver(payload.to, { type, payload } as ServerMessage);
  }

  /** `call:end`: either party hangs up, or the caller cancels while ringing. */
  endCall(session: Session, payload: PayloadOf<"call:end">): void {
    const call = this.calls.between(session.userId, payload.to);
    if (!call) {
      return this.#error(
        session,
        "not-in-call",
        `You are not in a call with ${payload.to}.`,
        "call:end",
      );
    }
    const reason = payload.reason ??
      (call.phase === "ringing" ? "cancelled" : "hangup");
    this.#finish(call, reason);
    this.#deliver(payload.to, {
      type: "call:end",
      payload: { ...payload, reason },
    });
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
    for (
      const [from, to] of [[call.callee, call.caller], [
        call.caller,
        call.callee,
      ]]
    ) {
      this.#deliver(to, {
        type: "call:end",
        payload: { from, to, reason: "no-answer" },
      });
    }
  }

  #finish(call: Call, reason: EndReason): void {
    this.#clearRingTimer(call);
    this.calls.end(call);
    this.#observer.callEnded?.(call.caller, call.callee, reason);
  }

  #clearRingTimer(call: Call): void {
    const handle = this.#ringTimers.get(call);
    if (handle !== undefined) this.#timers.clear(handle);
    this.#ringTimers.delete(call);
  }

  #deliver(userId: string, message: ServerMessage): void {
    const target = this.registry.get(userId);
    if (!target) return;
    send(target.socket, message);
    if (this.#observer.relayed && isRelayedType(message.type)) {
      this.#observer.relayed(
        message.type,
        (performance.now() - this.#frameArrived) / 1000,
      );
    }
  }

  #broadcast(except: Session, message: ServerMessage): void {
    const text = JSON.stringify(message);
    for (const session of this.registry.sessions()) {
      if (session !== except) sendText(session.socket, text);
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
