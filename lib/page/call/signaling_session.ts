/**
 * The page's signaling session: signs in, keeps the socket alive with a
 * heartbeat, and when the socket drops reconnects by itself (exponential
 * backoff with jitter; at once when the server restarts) under the same id
 * and device id, so the server hands the device its call back. Everything of
 * a call or a ring goes through the delivery layer (`delivery_log.ts`):
 * numbered, kept until the server acknowledges it, and sent again on the
 * next socket, where the server resumes the session and sends again what
 * the page missed; what arrives twice is handled once. A socket that leaves
 * what was sent unacknowledged is pinged after `UNACKED_DEADLINE_MS` and
 * replaced when that goes unanswered too.
 * Browser-only; it never imports server code.
 * @module
 */
import { signal } from "@preact/signals";
import {
  type ClientMessage,
  CLOSE_CODES,
  isDeliveredFromClient,
  newDeviceId,
  type ServerMessage,
} from "../../wire/protocol.ts";
import { DeliveryLog } from "../../wire/delivery_log.ts";
import type {
  Credentials,
  ServerFrame,
  SignalingConnection,
  SignalingConnector,
} from "./signaling_client.ts";

/** Whether this page is signed in to the signaling server. */
export type SessionState =
  | "signed-out"
  | "connecting"
  | "signed-in"
  | "reconnecting";

/** What the session needs from the browser; tests hand in fakes. */
export interface SessionDeps {
  connect: SignalingConnector;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** A number in [0, 1), for jitter. */
  random(): number;
}

/** What the session tells its owner. */
export interface SessionEvents {
  onMessage(message: ServerMessage): void;
  /** Signed in; `resumed` when this was a reconnect. */
  onReady(resumed: boolean): void;
  /** Signed out for good (not reconnecting), with the reason in words. */
  onSignedOut(sentence: string): void;
  /**
   * Whether the page needs the server back soon (a call is under way): it
   * then reconnects at least every `URGENT_BACKOFF_MS`, and gives up a dial
   * not open within `URGENT_DIAL_MS`, so that a hang-up waiting on the server
   * reaches it within seconds of the network's return.
   */
  urgent?(): boolean;
}

/** How often the page checks that the server still answers. */
export const HEARTBEAT_MS = 15_000;
/** How long an answer to a heartbeat may take before the socket counts as dead. */
export const HEARTBEAT_TIMEOUT_MS = 10_000;
/**
 * How often the page checks the server during a call: a socket that died
 * silently is then found within seconds even when the page has nothing to
 * send (the server may have: a hang-up), and its answer has 2 s.
 */
export const URGENT_HEARTBEAT_MS = 5_000;
/** How long an acknowledgement of the server's messages may wait for a frame to ride on. */
export const ACK_DELAY_MS = 250;
/** How long what was sent may go unacknowledged before the socket is pinged, and the ping answered. */
export const UNACKED_DEADLINE_MS = 2_000;
/** The longest wait between two reconnect attempts. */
export const MAX_BACKOFF_MS = 10_000;
/** The longest wait between two reconnect attempts while a call is under way. */
export const URGENT_BACKOFF_MS = 500;
/**
 * How long a dial may take to open before it is given up and made anew: one
 * made while the network was gone waits in TCP's own backoff, and one whose
 * packets a network drops would wait minutes.
 */
export const DIAL_MS = 10_000;
/** The same while a call is under way. */
export const URGENT_DIAL_MS = 2_000;
const FIRST_BACKOFF_MS = 500;

/** One page's connection to the signaling server. */
export class SignalingSession {
  readonly state = signal<SessionState>("signed-out");
  /** The id this page is signed in under. */
  readonly selfId = signal<string | null>(null);
  /** Who else is online. */
  readonly online = signal<string[]>([]);
  /** Whether the server tells who is online. */
  readonly presence = signal(true);
  /** Who of those online is in a call. */
  readonly inCall = signal<string[]>([]);
  /** Calls missed and not yet looked at (accounts mode). */
  readonly missedCalls = signal(0);
  /** This page's device id, the same across reconnects. */
  readonly deviceId: string;
  /**
   * The ICE servers to reach peers with, as the server last sent them (at
   * sign-in, and fresh ones before TURN credentials expire); a live call's
   * peer link follows this signal.
   */
  readonly iceServers = signal<RTCIceServer[]>([]);
  iceTransportPolicy: RTCIceTransportPolicy = "all";

  #deps: SessionDeps;
  #events: SessionEvents;
  #credentials: Credentials | null = null;
  #connection: SignalingConnection | null = null;
  #attempt = 0;
  #retryTimer: unknown = null;
  #heartbeatTimer: unknown = null;
  #deadlineTimer: unknown = null;
  /** What the page sent that the server has not acknowledged, and what the page took of the server's. */
  #log = new DeliveryLog<ClientMessage>();
  /** The delivery session the server named, to resume on the next socket. */
  #deliverySession: string | null = null;
  /**
   * Whether the server speaks the delivery layer (its `session:ready` named
   * a session). A server that does not gets plain messages, and only those
   * sent while reconnecting are kept, to go once it is back.
   */
  #delivering = false;
  #ackTimer: unknown = null;
  #unackedTimer: unknown = null;
  #dialTimer: unknown = null;

  constructor(deps: SessionDeps, events: SessionEvents) {
    this.#deps = deps;
    this.#events = events;
    this.deviceId = newDeviceId(deps.random);
  }

  /** Signs in with these credentials. */
  open(credentials: Credentials): void {
    if (this.state.value !== "signed-out") return;
    this.#credentials = credentials;
    this.state.value = "connecting";
    this.#dial();
  }

  /** Signs out: no reconnecting. */
  close(): void {
    this.#credentials = null;
    this.#stopTimers();
    this.#connection?.close();
    this.#connection = null;
    this.#signedOut();
  }

  /**
   * Replaces the connection now, without waiting to learn whether it died:
   * for when the network may have changed under the page (a call's media
   * stopped). A socket on a network that is gone would take seconds to
   * notice, and the call's renegotiation would go into it; a fresh one is
   * ready in a round trip, and the call is resumed on it.
   */
  reconnectNow(): void {
    if (this.state.value !== "signed-in" || !this.#connection) return;
    const connection = this.#connection;
    this.#connection = null;
    connection.close();
    this.#stopTimers();
    this.state.value = "reconnecting";
    this.#dial();
  }

  /**
   * Dials now, for when the network is known to be back (a call's media
   * flows again) while the socket is away: instead of waiting out the
   * backoff, or a dial made while the network was gone, whose connection
   * attempt waits in TCP's own backoff (its next try may be seconds away).
   */
  retryNow(): void {
    if (this.state.value !== "reconnecting") return;
    if (this.#retryTimer !== null) {
      this.#deps.clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
    } else {
      const pending = this.#connection;
      this.#connection = null;
      pending?.close();
    }
    this.#dial();
  }

  /**
   * Sends a message to the server. A message of a call or a ring is kept
   * until the server acknowledges it: while reconnecting it waits, and it
   * goes on the next socket if this one dies first, so that a hang-up
   * pressed during a network's bad seconds is not lost. Signed out, nothing
   * is sent.
   */
  send(message: ClientMessage): void {
    if (this.state.value === "signed-out") return;
    if (!isDeliveredFromClient(message.type)) {
      if (this.state.value !== "reconnecting") this.#write(message);
      return;
    }
    if (!this.#delivering && this.state.value !== "reconnecting") {
      this.#write(message);
      return;
    }
    const seq = this.#log.add(message, JSON.stringify(message.payload).length);
    if (seq === null) {
      // The server has taken nothing for too long: start a new session.
      this.#deliverySession = null;
      this.reconnectNow();
      return;
    }
    if (this.state.value === "reconnecting") return;
    this.#write(message, seq);
    this.#watchUnacked();
  }

  /** Writes `message` on the connection with its number and the acknowledgement due in front. */
  #write(message: ClientMessage, seq?: number): void {
    const connection = this.#connection;
    if (!connection) return;
    const ack = this.#log.received > 0 ? this.#log.acknowledge() : undefined;
    connection.send({
      ...(seq !== undefined && { seq }),
      ...(ack !== undefined && { ack }),
      ...message,
    });
  }

  /** Pings a socket that leaves what was sent unacknowledged too long: it is replaced if the ping goes unanswered too. */
  #watchUnacked(): void {
    this.#unackedTimer ??= this.#deps.setTimeout(() => {
      this.#unackedTimer = null;
      if (!this.#log.waiting || this.state.value !== "signed-in") return;
      if (this.#deadlineTimer !== null) return;
      if (this.#heartbeatTimer !== null) {
        this.#deps.clearTimeout(this.#heartbeatTimer);
        this.#heartbeatTimer = null;
      }
      this.#ping(UNACKED_DEADLINE_MS);
    }, UNACKED_DEADLINE_MS);
  }

  /** Acknowledges what the page took, unless a frame carries it on first. */
  #ackSoon(): void {
    this.#ackTimer ??= this.#deps.setTimeout(() => {
      this.#ackTimer = null;
      if (this.#log.ackDue) this.#write({ type: "ack", payload: {} });
    }, ACK_DELAY_MS);
  }

  /** The server's frame: its acknowledgement taken, its number checked; whether its message is new. */
  #delivered(frame: ServerFrame): boolean {
    if (frame.ack !== undefined) {
      this.#log.acked(frame.ack);
      if (!this.#log.waiting && this.#unackedTimer !== null) {
        this.#deps.clearTimeout(this.#unackedTimer);
        this.#unackedTimer = null;
      }
    }
    if (frame.seq === undefined) return true;
    const arrival = this.#log.arrived(frame.seq);
    this.#ackSoon();
    return arrival === "next";
  }

  #dial(): void {
    const credentials = this.#credentials;
    if (!credentials) return;
    const session = this.#deliverySession;
    const connection = this.#deps.connect({
      ...credentials,
      deviceId: this.deviceId,
      ...(session && {
        resume: { session, received: this.#log.received },
      }),
    }, {
      onMessage: (frame) => {
        if (this.#connection !== connection) return;
        if (this.#dialTimer !== null) {
          this.#deps.clearTimeout(this.#dialTimer);
          this.#dialTimer = null;
        }
        this.#heard();
        if (this.#delivered(frame)) this.#receive(frame);
      },
      onClose: (code, reason) => {
        if (this.#connection !== connection) return;
        this.#connection = null;
        this.#dropped(code, reason);
      },
    });
    this.#connection = connection;
    if (this.#dialTimer !== null) this.#deps.clearTimeout(this.#dialTimer);
    this.#dialTimer = this.#deps.setTimeout(() => {
      this.#dialTimer = null;
      if (this.#connection !== connection) return;
      this.#connection = null;
      connection.close();
      this.#dropped(1006, "the server did not answer the dial");
    }, this.#events.urgent?.() ? URGENT_DIAL_MS : DIAL_MS);
  }

  #receive(message: ServerMessage): void {
    switch (message.type) {
      case "session:ready": {
        const resumed = this.state.value === "reconnecting";
        this.#attempt = 0;
        this.state.value = "signed-in";
        this.selfId.value = message.payload.userId;
        this.iceServers.value = message.payload.iceServers;
        this.iceTransportPolicy = message.payload.iceTransportPolicy;
        this.presence.value = message.payload.presence;
        this.#scheduleHeartbeat();
        this.#resumeDelivery(message.payload.delivery);
        this.#events.onReady(resumed);
        return;
      }
      case "ack":
        if (message.payload.request) this.#write({ type: "ack", payload: {} });
        return;
      case "session:ice-servers":
        this.iceServers.value = message.payload.iceServers;
        return;
      case "presence:list":
        this.online.value = message.payload.users.filter((u) =>
          u !== this.selfId.value
        ).sort();
        this.inCall.value = message.payload.inCall ?? [];
        return;
      case "presence:update": {
        const { userId, online, inCall } = message.payload;
        const busy = this.inCall.value.filter((u) => u !== userId);
        this.inCall.value = online && inCall ? [...busy, userId] : busy;
        const others = this.online.value.filter((u) => u !== userId);
        this.online.value = online && userId !== this.selfId.value
          ? [...others, userId].sort()
          : others;
        return;
      }
      case "pong":
        return;
      case "calls:missed":
        this.missedCalls.value = message.payload.count;
        return;
    }
    this.#events.onMessage(message);
  }

  /**
   * The server's word on the delivery session, on a new socket: resumed,
   * what it has not acknowledged goes again in order; not resumed (the
   * server restarted, or kept it past the grace), everything unacknowledged
   * goes again as the new session's first messages.
   */
  #resumeDelivery(
    delivery:
      | { session: string; received: number; resumed: boolean }
      | undefined,
  ): void {
    if (delivery?.resumed) {
      this.#log.acked(delivery.received);
      for (const { seq, message } of this.#log.unacked()) {
        this.#write(message, seq);
      }
      if (this.#log.waiting) this.#watchUnacked();
      return;
    }
    this.#deliverySession = delivery?.session ?? null;
    this.#delivering = delivery !== undefined;
    for (const message of this.#log.reset()) this.send(message);
  }

  /** The socket closed without being asked to: reconnect, unless the server meant it. */
  #dropped(code: number, reason: string): void {
    this.#stopTimers();
    // The server reset the session: what it kept is gone, a new one starts.
    if (code === CLOSE_CODES.backlog) this.#deliverySession = null;
    const credentials = this.#credentials;
    if (!credentials) return;
    if (code === CLOSE_CODES.policy || code === CLOSE_CODES.replaced) {
      this.#credentials = null;
      this.#signedOut();
      this.#events.onSignedOut(
        reason === "token expired"
          ? "Your sign-in has expired. Open a new sign-in link to continue."
          : reason === "signed out"
          ? "You were signed out. Sign in again to make calls."
          : code === CLOSE_CODES.replaced
          ? "This page was signed in again elsewhere with the same device."
          : `The server closed the connection: ${
            reason || "policy violation"
          }.`,
      );
      return;
    }
    if (this.state.value === "connecting") {
      this.#credentials = null;
      this.#signedOut();
      this.#events.onSignedOut(
        "token" in credentials
          ? "The server refused this sign-in link: it may have expired or been changed."
          : "cookie" in credentials
          ? "The server did not take your sign-in: sign in again."
          : "Could not reach the server.",
      );
      return;
    }
    const restarting = code === CLOSE_CODES.restarting;
    this.state.value = "reconnecting";
    const backoff = Math.min(
      this.#events.urgent?.() ? URGENT_BACKOFF_MS : MAX_BACKOFF_MS,
      FIRST_BACKOFF_MS * 2 ** this.#attempt,
    );
    const delay = restarting && this.#attempt === 0
      ? this.#deps.random() * FIRST_BACKOFF_MS
      : backoff * (0.5 + this.#deps.random() / 2);
    this.#attempt++;
    this.#retryTimer = this.#deps.setTimeout(() => {
      this.#retryTimer = null;
      this.#dial();
    }, delay);
  }

  #scheduleHeartbeat(): void {
    const urgent = this.#events.urgent?.() ?? false;
    this.#heartbeatTimer = this.#deps.setTimeout(() => {
      this.#heartbeatTimer = null;
      this.#ping(
        this.#events.urgent?.() ? UNACKED_DEADLINE_MS : HEARTBEAT_TIMEOUT_MS,
      );
    }, urgent ? URGENT_HEARTBEAT_MS : HEARTBEAT_MS);
  }

  /** Pings the server; with no answer within `deadlineMs` the connection counts as dead. */
  #ping(deadlineMs: number): void {
    this.send({ type: "ping", payload: {} });
    this.#deadlineTimer = this.#deps.setTimeout(() => {
      this.#deadlineTimer = null;
      // No answer: the connection is dead even if the socket has not noticed.
      const connection = this.#connection;
      this.#connection = null;
      connection?.close();
      this.#dropped(1006, "no answer from the server");
    }, deadlineMs);
  }

  /** Anything from the server proves the connection alive. */
  #heard(): void {
    if (this.#deadlineTimer === null) return;
    this.#deps.clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = null;
    this.#scheduleHeartbeat();
    if (this.#log.waiting) this.#watchUnacked();
  }

  #stopTimers(): void {
    for (
      const timer of [
        this.#retryTimer,
        this.#heartbeatTimer,
        this.#deadlineTimer,
        this.#ackTimer,
        this.#unackedTimer,
        this.#dialTimer,
      ]
    ) {
      if (timer !== null) this.#deps.clearTimeout(timer);
    }
    this.#retryTimer = this.#heartbeatTimer = this.#deadlineTimer = null;
    this.#ackTimer = this.#unackedTimer = this.#dialTimer = null;
  }

  #signedOut(): void {
    this.#log.reset();
    this.#deliverySession = null;
    this.#delivering = false;
    this.state.value = "signed-out";
    this.selfId.value = null;
    this.online.value = [];
  }
}
