/**
 * The server's end of one device's delivery session (`delivery=1`): it
 * numbers what the server sends the device that belongs to a call or a
 * ring, keeps it until the page acknowledges it, and sends it again, in
 * order, on the device's next socket when the page resumes the session; it
 * takes each of the page's numbered messages once, and acknowledges them
 * within a second (`SERVER_ACK_DELAY_MS`). A socket that leaves what was
 * sent unacknowledged for `UNACKED_DEADLINE_MS` is asked for an
 * acknowledgement and, with none in as long again, written to no more: what
 * it misses waits for the device's next socket, or for this one to speak
 * again (it was only slow).
 * Whether the device is gone the hub still decides, by its heartbeat, so a
 * call keeps its whole recovery window. The session outlives its socket by
 * the resume grace. Runtime-free: the socket and the clock are handed in,
 * and the deadlines of every session are kept by one sweep
 * (`delivery_links.ts`), since a timer per session and message is what
 * would cost. See docs/protocol.md, "Delivery".
 * @module
 */
import {
  DELIVERY_LIMITS,
  DeliveryLog,
  UNACKED_DEADLINE_MS,
} from "../wire/delivery_log.ts";
import { CLOSE_CODES, isDeliveredFromServer } from "../wire/protocol.ts";
import type { SignalingSocket } from "./session.ts";

/** The message type a server text carries: the texts are `{"type":"…",…}`. */
function typeOf(text: string): string {
  return text.startsWith('{"type":"')
    ? text.slice(9, text.indexOf('"', 9))
    : "";
}

/** What keeps a link's time: the clock, and the sweep that acknowledges and checks deadlines. */
export interface LinkSweep {
  now(): number;
  /** `link` owes the page an acknowledgement: send it in time, counted from its first debt, unless a frame carries it first. */
  owes(link: DeliveryLink): void;
  /** `link` waits for the page's acknowledgement: check its deadline at each sweep. */
  waits(link: DeliveryLink): void;
}

/** A delivery session as it stands, for another instance to take it up. */
export interface DeliverySessionState {
  /** The id the page knows it by. */
  session: string;
  /** How many messages the server has numbered. */
  sent: number;
  /** How many of the page's messages the server has taken. */
  received: number;
  /** What the page has not acknowledged, oldest first. */
  unacked: { seq: number; message: string }[];
}

/**
 * The server's log of a session handed over from another instance, taking
 * up where it left off; null when the state is not one a session could hold
 * (numbers out of step, more than the limits).
 */
export function restoredLog(
  state: DeliverySessionState,
  limits = DELIVERY_LIMITS,
): DeliveryLog<string> | null {
  const first = state.sent - state.unacked.length + 1;
  if (
    state.received < 0 || first < 1 ||
    state.unacked.some((entry, index) => entry.seq !== first + index)
  ) {
    return null;
  }
  const log = new DeliveryLog<string>(limits);
  log.restart(first - 1, state.received);
  for (const { message } of state.unacked) {
    if (log.add(message, message.length) === null) return null;
  }
  return log;
}

/** One device's delivery session. */
export class DeliveryLink {
  #log: DeliveryLog<string>;
  #socket: SignalingSocket | null = null;
  /** A socket written to no more for want of acknowledgements, until it speaks again. */
  #silent: SignalingSocket | null = null;
  /** Since when what was sent waits without progress (an acknowledgement resets it). */
  #waitingSince = 0;
  /** Whether the socket has been asked for an acknowledgement and not answered. */
  #asked = false;

  /** `id` names the session for the page to resume it; `log` is one taken up from another instance. */
  constructor(
    readonly id: string,
    private readonly sweep: LinkSweep,
    log = new DeliveryLog<string>(),
  ) {
    this.#log = log;
  }

  /** The session as it stands, for another instance to take it up. */
  state(): DeliverySessionState {
    return {
      session: this.id,
      sent: this.#log.sent,
      received: this.#log.received,
      unacked: this.#log.unacked().map(({ seq, message }) => ({
        seq,
        message,
      })),
    };
  }

  /** The socket the session writes to now, if any. */
  get socket(): SignalingSocket | null {
    return this.#socket ?? this.#silent;
  }

  /** How many of the page's messages the server has taken. */
  get received(): number {
    return this.#log.received;
  }

  /**
   * The device's new socket: from now on everything goes on it. `received`
   * is how many of the server's messages the page says it has.
   */
  attach(socket: SignalingSocket, received: number): void {
    this.#log.acked(received);
    this.#socket = socket;
    this.#silent = null;
    this.#asked = false;
  }

  /** Sends again, in order, what the page has not acknowledged: after `session:ready` on a resumed session. */
  replay(): void {
    for (const { seq, message } of this.#log.unacked()) {
      this.#write(message, seq);
    }
    if (this.#log.waiting) this.#startWaiting();
  }

  /** `socket` closed; true when the session now has none and waits for the next one. */
  detach(socket: SignalingSocket): boolean {
    if (this.#socket === socket) this.#socket = null;
    if (this.#silent === socket) this.#silent = null;
    return this.#socket === null;
  }

  /** Sends a server text: numbered and kept when it belongs to a call or a ring. */
  send(text: string): void {
    if (!isDeliveredFromServer(typeOf(text))) {
      this.#write(text);
      return;
    }
    const waiting = this.#log.waiting;
    const seq = this.#log.add(text, text.length);
    if (seq === null) {
      // More unacknowledged than a session may hold: the session is reset.
      const socket = this.#socket;
      this.dispose();
      socket?.close(CLOSE_CODES.backlog, "delivery backlog");
      return;
    }
    this.#write(text, seq);
    if (!waiting) this.#startWaiting();
  }

  /**
   * A frame of the page's arrived with these numbers: whether its message
   * is to be handled (false for a duplicate or one out of order).
   */
  arrived(type: string, seq?: number, ack?: number): boolean {
    if (this.#silent) {
      // The socket written to no more speaks: it was slow, not dead.
      this.#socket = this.#silent;
      this.#silent = null;
      this.#asked = false;
      this.replay();
    }
    if (ack !== undefined && ack > 0) {
      const oldest = this.#asked ? this.#log.oldest : undefined;
      this.#log.acked(ack);
      // Asked, and answered without the oldest: the page lacks it though the
      // socket lives (something between dropped it), and holds back what came
      // after it. It all goes again, in order.
      const lacking = oldest !== undefined && this.#log.oldest === oldest;
      this.#asked = false;
      this.#waitingSince = this.sweep.now();
      if (lacking) this.replay();
    }
    if (type === "ack" || seq === undefined) return true;
    const arrival = this.#log.arrived(seq);
    this.sweep.owes(this);
    return arrival === "next";
  }

  /** The page asked for an acknowledgement now. */
  acknowledgeNow(): void {
    this.#write('{"type":"ack","payload":{}}');
  }

  /** The sweep: sends the acknowledgement owed, unless a frame carried it already. */
  acknowledgeIfDue(): void {
    if (this.#log.ackDue) this.acknowledgeNow();
  }

  /**
   * The sweep at `now`: asks a socket that has left messages unacknowledged
   * past the deadline, and stops writing to one that was asked in vain.
   * False once nothing waits any more (the sweep forgets the link).
   */
  checkDeadline(now: number): boolean {
    const socket = this.#socket;
    if (!this.#log.waiting || !socket) return false;
    if (now - this.#waitingSince < UNACKED_DEADLINE_MS) return true;
    if (!this.#asked) {
      this.#asked = true;
      this.#waitingSince = now;
      this.#write('{"type":"ack","payload":{"request":true}}');
      return true;
    }
    // Nothing came back: the socket may be dead even if it looks open.
    this.#socket = null;
    this.#silent = socket;
    return false;
  }

  /** Forgets everything: the session is over. */
  dispose(): void {
    this.#socket = this.#silent = null;
    this.#log.reset();
  }

  #startWaiting(): void {
    this.#waitingSince = this.sweep.now();
    this.sweep.waits(this);
  }

  /** Writes `text` with its number and the acknowledgement due, if any, in front. */
  #write(text: string, seq?: number): void {
    const socket = this.#socket;
    if (!socket) return;
    const fields = (seq === undefined ? "" : `"seq":${seq},`) +
      (this.#log.received > 0 ? `"ack":${this.#log.acknowledge()},` : "");
    try {
      socket.send(fields ? `{${fields}${text.slice(1)}` : text);
    } catch {
      // The socket is closing: what it missed waits for the next one.
    }
  }
}
