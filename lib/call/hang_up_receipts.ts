/**
 * Which hang-ups the server is known to have, on one signaling connection.
 * A socket that stalls (its network was gone for a while) can look open and
 * hold what is sent on it until it is found dead; a hang-up lost so would
 * keep the call up on the server with the other side waiting. The server
 * answers pings in order, so a `pong` proves it has everything sent before
 * the ping it answers; a hang-up no pong has covered goes again on the next
 * connection (a second one is answered "not in a call", which a free page
 * ignores). Browser-only.
 * @module
 */
import type { ClientMessage } from "../protocol.ts";

/** The hang-ups and pings sent on one connection. */
export class HangUpReceipts {
  /** Messages sent on this connection so far: each one's number. */
  #sentCount = 0;
  /** The number of each ping not yet answered, oldest first. */
  #pingsUnanswered: number[] = [];
  #hangUpsUnconfirmed: { number: number; message: ClientMessage }[] = [];

  /** `message` went on the connection; true when it is a hang-up, whose arrival is worth asking about now. */
  sent(message: ClientMessage): boolean {
    const number = ++this.#sentCount;
    if (message.type === "ping") this.#pingsUnanswered.push(number);
    if (message.type !== "call:end") return false;
    this.#hangUpsUnconfirmed.push({ number, message });
    return true;
  }

  /** A pong: the server has everything sent before the ping it answers. */
  ponged(): void {
    const ping = this.#pingsUnanswered.shift();
    if (ping === undefined) return;
    this.#hangUpsUnconfirmed = this.#hangUpsUnconfirmed.filter((sent) =>
      sent.number > ping
    );
  }

  /** The connection is given up: its unconfirmed hang-ups, oldest first, and a fresh start. */
  takeUnconfirmed(): ClientMessage[] {
    const unconfirmed = this.#hangUpsUnconfirmed.map((sent) => sent.message);
    this.#hangUpsUnconfirmed = [];
    this.#pingsUnanswered = [];
    this.#sentCount = 0;
    return unconfirmed;
  }
}
