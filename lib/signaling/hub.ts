/**
 * The signaling hub: joins sessions, reads their frames and routes each
 * message to the user in `to`, with `from` stamped as the sender's own id.
 * It tracks calls so that only the two parties of a call can signal each
 * other, answers busy for users in a call and ends a call whose party leaves.
 */
import {
  ERROR_CODES,
  type ErrorCode,
  parseClientFrame,
  type PayloadOf,
  type RelayedType,
  type ServerMessage,
} from "../protocol.ts";
import { type Call, CallTable, peerOf } from "./call_table.ts";
import { Registry } from "./registry.ts";
import type { Session, SignalingSocket } from "./session.ts";

/** Timers, injectable so tests control time. */
export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** How the hub behaves. */
export interface HubOptions {
  /** ICE servers handed to each client when it joins. */
  iceServers: RTCIceServer[];
  /** How long an unanswered call rings before it ends with `no-answer`. */
  ringTimeoutMs: number;
  timers?: Timers;
}

/** The close code sent to a second connection under a connected id. */
export const CLOSE_ID_IN_USE = 4409;

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
  #ringTimers = new Map<Call, unknown>();

  constructor(options: HubOptions) {
    this.#options = options;
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
  connect(userId: string, socket: SignalingSocket): Session | undefined {
    const session: Session = { userId, socket };
    if (!this.registry.add(session)) {
      this.#error(
        session,
        "id-in-use",
        `${userId} is already connected elsewhere.`,
      );
      socket.close(CLOSE_ID_IN_USE, "user id already connected");
      return undefined;
    }
    send(socket, {
      type: "session:ready",
      payload: { userId, iceServers: this.#options.iceServers },
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
    (routes[type] as Route<typeof type>)(this, session, {
      ...payload,
      from: session.userId,
    } as PayloadOf<typeof type>);
  }

  /** Removes a session whose socket closed; its call ends with `peer-gone`. */
  disconnect(session: Session): void {
    if (!this.registry.remove(session)) return;
    const call = this.calls.of(session.userId);
    if (call) {
      const peer = peerOf(call, session.userId);
      this.#finish(call);
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
    } else {
      this.#finish(call);
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
    this.#finish(call);
    const reason = payload.reason ??
      (call.phase === "ringing" ? "cancelled" : "hangup");
    this.#deliver(payload.to, {
      type: "call:end",
      payload: { ...payload, reason },
    });
  }

  #ringTimedOut(call: Call): void {
    this.#ringTimers.delete(call);
    if (this.calls.of(call.caller) !== call || call.phase !== "ringing") return;
    this.#finish(call);
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

  #finish(call: Call): void {
    this.#clearRingTimer(call);
    this.calls.end(call);
  }

  #clearRingTimer(call: Call): void {
    const handle = this.#ringTimers.get(call);
    if (handle !== undefined) this.#timers.clear(handle);
    this.#ringTimers.delete(call);
  }

  #deliver(userId: string, message: ServerMessage): void {
    const target = this.registry.get(userId);
    if (target) send(target.socket, message);
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
