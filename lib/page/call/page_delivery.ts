/**
 * The page's end of the delivery session (docs/protocol.md, "Delivery"):
 * what the page sends of a call or a ring is numbered and kept until the
 * server acknowledges it, and sent again on the next socket; what the
 * server numbers is taken once and acknowledged within `ACK_DELAY_MS`. A
 * socket that leaves what was sent unacknowledged for `UNACKED_DEADLINE_MS`
 * is pinged by the connection that owns it. The bookkeeping is the shared
 * `DeliveryLog`; this adds the page's timers and the server's word on
 * resuming. Browser-only; it never imports server code.
 * @module
 */
import {
  type ClientMessage,
  type DeliverySessionInfo,
  isDeliveredFromClient,
} from "../../wire/protocol.ts";
import {
  ACK_DELAY_MS,
  DeliveryLog,
  UNACKED_DEADLINE_MS,
} from "../../wire/delivery_log.ts";
import type { ServerFrame } from "./signaling_client.ts";
import type { ConnectionState } from "./types.ts";

/** The connection the delivery session rides on, as the page's delivery end needs it. */
export interface DeliveryCarrier {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Where the connection is: nothing is written signed out, and only kept while reconnecting. */
  phase(): ConnectionState;
  /** Whether there is a socket to write on. */
  canWrite(): boolean;
  /** Writes a frame on the socket. */
  write(frame: ClientMessage & { seq?: number; ack?: number }): void;
  /** What was sent went unacknowledged past the deadline: ping the socket, and replace it if that goes unanswered. */
  unacknowledged(): void;
  /** The server has taken nothing for too long: the connection starts a new session on a new socket. */
  restart(): void;
}

/** The page's end of one delivery session, across its sockets. */
export class PageDelivery {
  /** What the page sent that the server has not acknowledged, and what the page took of the server's. */
  #log = new DeliveryLog<ClientMessage>();
  /** The delivery session the server named, to resume on the next socket. */
  #session: string | null = null;
  /**
   * Whether the server speaks the delivery layer (its `session:ready` named
   * a session). A server that does not gets plain messages, and only those
   * sent while reconnecting are kept, to go once it is back.
   */
  #delivering = false;
  #ackTimer: unknown = null;
  #unackedTimer: unknown = null;
  /** The oldest unacknowledged number when its deadline passed and the socket was pinged. */
  #stalledAt: number | null = null;

  #carrier: DeliveryCarrier;

  constructor(carrier: DeliveryCarrier) {
    this.#carrier = carrier;
  }

  /** What the next socket asks to resume: the session and how much of it the page took. */
  get resume(): { session: string; received: number } | undefined {
    return this.#session === null
      ? undefined
      : { session: this.#session, received: this.#log.received };
  }

  /**
   * Sends a message: one of a call or a ring is kept until the server
   * acknowledges it (while reconnecting it waits for the next socket);
   * others go only on a socket that is there.
   */
  send(message: ClientMessage): void {
    const phase = this.#carrier.phase();
    if (phase === "signed-out") return;
    if (!isDeliveredFromClient(message.type)) {
      if (phase !== "reconnecting") this.#write(message);
      return;
    }
    if (!this.#delivering && phase !== "reconnecting") {
      this.#write(message);
      return;
    }
    const seq = this.#log.add(message, JSON.stringify(message.payload).length);
    if (seq === null) {
      this.#session = null;
      this.#carrier.restart();
      return;
    }
    if (phase === "reconnecting") return;
    this.#write(message, seq);
    this.#watchUnacked();
  }

  /** Acknowledges now what the page took: the server asked. */
  acknowledgeNow(): void {
    this.#write({ type: "ack", payload: {} });
  }

  /** The server's frame: its acknowledgement taken, its number checked; whether its message is new. */
  delivered(frame: ServerFrame): boolean {
    if (frame.ack !== undefined) {
      this.#log.acked(frame.ack);
      if (!this.#log.waiting) this.#clear("unacked");
    }
    if (frame.seq === undefined) return true;
    const arrival = this.#log.arrived(frame.seq);
    this.#ackSoon();
    return arrival === "next";
  }

  /**
   * The server's word on the delivery session, on a new socket, whose id
   * the next socket names: resumed (perhaps on another instance, under its
   * id), what it has not acknowledged goes again in order; not resumed (the
   * server restarted, or kept it past the grace), everything unacknowledged
   * goes again as the new session's first messages.
   */
  resumed(delivery: DeliverySessionInfo | undefined): void {
    // A session resumed on another instance goes on under that one's id.
    this.#session = delivery?.session ?? null;
    if (delivery?.resumed) {
      this.#log.acked(delivery.received);
      this.#resend();
      return;
    }
    this.#delivering = delivery !== undefined;
    for (const message of this.#log.reset()) this.send(message);
  }

  /**
   * The server answered a ping. What was sent and still waits gets a new
   * deadline; if the answer acknowledged nothing of what the ping was for,
   * the server lacks it though the socket lives (it refused a frame at its
   * rate limit, or something between dropped one, and what came after is
   * held back behind the gap): it all goes again, in order, on this socket.
   */
  heard(): void {
    const stalled = this.#stalledAt !== null &&
      this.#stalledAt === this.#log.oldest;
    this.#stalledAt = null;
    if (stalled) this.#resend();
    else if (this.#log.waiting) this.#watchUnacked();
  }

  /** The server reset the session: the next socket starts a new one. */
  forgetSession(): void {
    this.#session = null;
  }

  /** Signed out: nothing kept. */
  reset(): void {
    this.stop();
    this.#log.reset();
    this.#session = null;
    this.#delivering = false;
    this.#stalledAt = null;
  }

  /** The socket is gone: no timers run until the next one. */
  stop(): void {
    this.#clear("ack");
    this.#clear("unacked");
  }

  /** Writes `message` with its number and the acknowledgement due in front. */
  #write(message: ClientMessage, seq?: number): void {
    if (!this.#carrier.canWrite()) return;
    const ack = this.#log.received > 0 ? this.#log.acknowledge() : undefined;
    this.#carrier.write({
      ...(seq !== undefined && { seq }),
      ...(ack !== undefined && { ack }),
      ...message,
    });
  }

  /** Sends again, in order, everything the server has not acknowledged. */
  #resend(): void {
    for (const { seq, message } of this.#log.unacked()) {
      this.#write(message, seq);
    }
    if (this.#log.waiting) this.#watchUnacked();
  }

  #watchUnacked(): void {
    this.#unackedTimer ??= this.#carrier.setTimeout(() => {
      this.#unackedTimer = null;
      if (this.#log.waiting && this.#carrier.phase() === "signed-in") {
        this.#stalledAt = this.#log.oldest ?? null;
        this.#carrier.unacknowledged();
      }
    }, UNACKED_DEADLINE_MS);
  }

  /** Acknowledges what the page took, unless a frame carries it on first. */
  #ackSoon(): void {
    this.#ackTimer ??= this.#carrier.setTimeout(() => {
      this.#ackTimer = null;
      if (this.#log.ackDue) this.acknowledgeNow();
    }, ACK_DELAY_MS);
  }

  #clear(timer: "ack" | "unacked"): void {
    const handle = timer === "ack" ? this.#ackTimer : this.#unackedTimer;
    if (handle !== null) this.#carrier.clearTimeout(handle);
    if (timer === "ack") this.#ackTimer = null;
    else this.#unackedTimer = null;
  }
}
