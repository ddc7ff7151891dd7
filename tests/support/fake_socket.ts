import type { ServerMessage } from "../../lib/wire/protocol.ts";
import type { SignalingSocket } from "../../lib/signaling/session.ts";

/** A socket that records what the hub sends and whether it closed it. */
export class FakeSocket implements SignalingSocket {
  sent: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;

  send(text: string): void {
    if (this.closed) throw new Error("socket is closed");
    this.sent.push(JSON.parse(text));
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
  } /** Messages received so far, and forgets them. */
  take(): ServerMessage[] {
    return this.sent.splice(0);
  }

  /** Like `take`, leaving out presence: the messages about calls. */
  takeCalls(): ServerMessage[] {
    return this.take().filter((message) =>
      !message.type.startsWith("presence:")
    );
  }
}
