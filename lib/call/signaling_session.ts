/**
 * The page's signaling session: signs in, keeps the socket alive with a
 * heartbeat, and when the socket drops reconnects by itself (exponential
 * backoff with jitter; at once when the server restarts) under the same id
 * and device id, so the server hands the device its call back.
 * Browser-only; it never imports server code.
 * @module
 */
import { signal } from "@preact/signals";
import {
  type ClientMessage,
  CLOSE_CODES,
  newDeviceId,
  type ServerMessage,
} from "../protocol.ts";
import type {
  Credentials,
  SignalingConnection,
  SignalingConnector,
} from "./signaling_client.ts";
import { HangUpReceipts } from "./hang_up_receipts.ts";

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
}

/** How often the page checks that the server still answers. */
export const HEARTBEAT_MS = 15_000;
/** How long an answer to a heartbeat may take before the socket counts as dead. */
export const HEARTBEAT_TIMEOUT_MS = 10_000;
/** The most messages kept for the server while reconnecting. */
export const OUTBOX_LIMIT = 64;
/** The longest wait between two reconnect attempts. */
export const MAX_BACKOFF_MS = 10_000;
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
  /** What the page sent while reconnecting, oldest first. */
  #outbox: ClientMessage[] = [];
  /** Which hang-ups sent on the current connection the server is known to have. */
  #receipts = new HangUpReceipts();

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
    this.#connectionLost();
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
    this.#connectionLost();
    this.state.value = "reconnecting";
    this.#dial();
  }

  /**
   * Sends a message to the server. While reconnecting it waits in the outbox
   * and goes once the server has the page back, so that a hang-up pressed
   * during a network's bad seconds is not lost; signed out, it is dropped.
   */
  send(message: ClientMessage): void {
    if (this.state.value === "reconnecting") {
      if (this.#outbox.length < OUTBOX_LIMIT) this.#outbox.push(message);
      return;
    }
    const connection = this.#connection;
    if (!connection) return;
    connection.send(message);
    if (this.#receipts.sent(message) && this.#deadlineTimer === null) {
      // Learn soon whether the hang-up arrived, not at the next heartbeat.
      if (this.#heartbeatTimer !== null) {
        this.#deps.clearTimeout(this.#heartbeatTimer);
        this.#heartbeatTimer = null;
      }
      this.#ping(HEARTBEAT_TIMEOUT_MS);
    }
  }

  /** The connection is given up: its unconfirmed hang-ups go first on the next one. */
  #connectionLost(): void {
    this.#outbox.unshift(...this.#receipts.takeUnconfirmed());
    this.#outbox.splice(OUTBOX_LIMIT);
  }

  #dial(): void {
    const credentials = this.#credentials;
    if (!credentials) return;
    const connection = this.#deps.connect({
      ...credentials,
      deviceId: this.deviceId,
    }, {
      onMessage: (message) => {
        if (this.#connection !== connection) return;
        this.#heard();
        this.#receive(message);
      },
      onClose: (code, reason) => {
        if (this.#connection !== connection) return;
        this.#connection = null;
        this.#dropped(code, reason);
      },
    });
    this.#connection = connection;
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
        for (const waiting of this.#outbox.splice(0)) this.send(waiting);
        this.#events.onReady(resumed);
        return;
      }
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
        this.#receipts.ponged();
        return;
      case "calls:missed":
        this.missedCalls.value = message.payload.count;
        return;
    }
    this.#events.onMessage(message);
  }

  /** The socket closed without being asked to: reconnect, unless the server meant it. */
  #dropped(code: number, reason: string): void {
    this.#stopTimers();
    this.#connectionLost();
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
      MAX_BACKOFF_MS,
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
    this.#heartbeatTimer = this.#deps.setTimeout(() => {
      this.#heartbeatTimer = null;
      this.#ping(HEARTBEAT_TIMEOUT_MS);
    }, HEARTBEAT_MS);
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
  }

  #stopTimers(): void {
    for (
      const timer of [
        this.#retryTimer,
        this.#heartbeatTimer,
        this.#deadlineTimer,
      ]
    ) {
      if (timer !== null) this.#deps.clearTimeout(timer);
    }
    this.#retryTimer = this.#heartbeatTimer = this.#deadlineTimer = null;
  }

  #signedOut(): void {
    this.#outbox = [];
    this.state.value = "signed-out";
    this.selfId.value = null;
    this.online.value = [];
  }
}
