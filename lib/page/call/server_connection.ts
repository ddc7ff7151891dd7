/**
 * The page's connection to the signaling server: signs in, keeps the socket alive with a
 * heartbeat, and when the socket drops reconnects by itself
 * (`reconnect_timing.ts`) under the same id and device id, so the server
 * hands the device its call back. Everything of a call or a ring goes
 * through the delivery layer (`page_delivery.ts`), so nothing sent into a
 * socket that died is lost. Browser-only; it never imports server code.
 * @module
 */
import { signal } from "@preact/signals";
import {
  type ClientMessage,
  CLOSE_CODES,
  newDeviceId,
  type ServerMessage,
} from "../../wire/protocol.ts";
import { UNACKED_DEADLINE_MS } from "../../wire/delivery_log.ts";
import { PageDelivery } from "./page_delivery.ts";
import {
  DIAL_MS,
  HEARTBEAT_MS,
  HEARTBEAT_TIMEOUT_MS,
  reconnectDelay,
  URGENT_DIAL_MS,
  URGENT_HEARTBEAT_MS,
} from "./reconnect_timing.ts";
import { PresenceHearing } from "./online_people.ts";
import type { ConnectionState } from "./types.ts";
import { refusedSentence, signedOutSentence } from "./words.ts";
import type {
  Credentials,
  SignalingConnection,
  SignalingConnector,
} from "./signaling_client.ts";

/** What the session needs from the browser; tests hand in fakes. */
export interface ConnectionDeps {
  connect: SignalingConnector;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** A number in [0, 1), for jitter. */
  random(): number;
}

/** What the session tells its owner. */
export interface ConnectionEvents {
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

/** One page's connection to the signaling server. */
export class ServerConnection {
  readonly state = signal<ConnectionState>("signed-out");
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

  #deps: ConnectionDeps;
  #events: ConnectionEvents;
  #credentials: Credentials | null = null;
  #connection: SignalingConnection | null = null;
  #attempt = 0;
  #retryTimer: unknown = null;
  #heartbeatTimer: unknown = null;
  #deadlineTimer: unknown = null;
  #dialTimer: unknown = null;
  #delivery: PageDelivery;
  #presence = new PresenceHearing();

  constructor(deps: ConnectionDeps, events: ConnectionEvents) {
    this.#deps = deps;
    this.#events = events;
    this.deviceId = newDeviceId(deps.random);
    this.#delivery = new PageDelivery({
      setTimeout: deps.setTimeout,
      clearTimeout: deps.clearTimeout,
      phase: () => this.state.value,
      canWrite: () => this.#connection !== null,
      write: (frame) => this.#connection?.send(frame),
      unacknowledged: () => {
        if (this.#deadlineTimer !== null) return;
        if (this.#heartbeatTimer !== null) {
          this.#deps.clearTimeout(this.#heartbeatTimer);
          this.#heartbeatTimer = null;
        }
        this.#ping(UNACKED_DEADLINE_MS);
      },
      restart: () => this.reconnectNow(),
    });
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
    this.#letGo();
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
    this.#letGo();
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
      this.#letGo();
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
    this.#delivery.send(message);
  }

  #dial(): void {
    const credentials = this.#credentials;
    if (!credentials) return;
    const resume = this.#delivery.resume;
    const connection = this.#deps.connect({
      ...credentials,
      deviceId: this.deviceId,
      ...(resume && { resume }),
    }, {
      onMessage: (frame) => {
        if (this.#connection !== connection) return;
        if (this.#dialTimer !== null) {
          this.#deps.clearTimeout(this.#dialTimer);
          this.#dialTimer = null;
        }
        // The frame's acknowledgement is taken before the answer to a ping is weighed.
        const fresh = this.#delivery.delivered(frame);
        this.#heard();
        if (fresh) this.#receive(frame);
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
      this.#letGo();
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
        this.#delivery.resumed(message.payload.delivery);
        this.#events.onReady(resumed);
        return;
      }
      case "ack":
        if (message.payload.request) this.#delivery.acknowledgeNow();
        return;
      case "session:ice-servers":
        this.iceServers.value = message.payload.iceServers;
        return;
      case "presence:list":
      case "presence:update": {
        const seen = this.#presence.heard(
          { online: this.online.value, inCall: this.inCall.value },
          message,
          this.selfId.value,
        );
        if (!seen) return;
        this.online.value = seen.online;
        this.inCall.value = seen.inCall;
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

  /** The socket closed without being asked to: reconnect, unless the server meant it. */
  #dropped(code: number, reason: string): void {
    this.#stopTimers();
    // The server reset the session: what it kept is gone, a new one starts.
    if (code === CLOSE_CODES.backlog) this.#delivery.forgetSession();
    const credentials = this.#credentials;
    if (!credentials) return;
    if (
      code === CLOSE_CODES.policy || code === CLOSE_CODES.replaced ||
      code === CLOSE_CODES.link
    ) {
      this.#credentials = null;
      this.#signedOut();
      this.#events.onSignedOut(signedOutSentence(code, reason));
      return;
    }
    if (this.state.value === "connecting") {
      this.#credentials = null;
      this.#signedOut();
      this.#events.onSignedOut(refusedSentence(credentials));
      return;
    }
    this.state.value = "reconnecting";
    const delay = reconnectDelay(
      this.#attempt,
      this.#events.urgent?.() ?? false,
      code === CLOSE_CODES.restarting,
      this.#deps.random(),
    );
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
      this.#letGo();
      this.#dropped(1006, "no answer from the server");
    }, deadlineMs);
  }

  /** Anything from the server proves the connection alive. */
  #heard(): void {
    if (this.#deadlineTimer === null) return;
    this.#deps.clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = null;
    this.#scheduleHeartbeat();
    this.#delivery.heard();
  }

  /** Closes the connection, whose close is then no news: it is this page's doing. */
  #letGo(): void {
    const connection = this.#connection;
    this.#connection = null;
    connection?.close();
  }

  #stopTimers(): void {
    for (
      const timer of [
        this.#retryTimer,
        this.#heartbeatTimer,
        this.#deadlineTimer,
        this.#dialTimer,
      ]
    ) {
      if (timer !== null) this.#deps.clearTimeout(timer);
    }
    this.#retryTimer = this.#heartbeatTimer = this.#deadlineTimer = null;
    this.#dialTimer = null;
    this.#delivery.stop();
  }

  #signedOut(): void {
    this.#delivery.reset();
    this.state.value = "signed-out";
    this.selfId.value = null;
    this.online.value = [];
  }
}
