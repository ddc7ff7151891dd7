/**
 * The page's own signaling session (`lib/page/call/server_connection.ts`)
 * as a scripted client, for tests and benchmarks that drive the delivery
 * layer with real sockets: what it heard, and ways to wait for it.
 * @module
 */
import type { ClientMessage, ServerMessage } from "../../lib/wire/protocol.ts";
import { webSocketConnector } from "../../lib/page/call/signaling_client.ts";
import { ServerConnection } from "../../lib/page/call/server_connection.ts";

/** A scripted client: the page's session, what it heard, and a way to wait for it. */
export class PageClient {
  readonly heard: ServerMessage[] = [];
  /** Calls refused because the callee was not online at that moment. */
  refusals = 0;
  readonly session: ServerConnection;
  dials = 0;
  #waiters: (() => void)[] = [];

  /** `urgent`: the page is in a call (it checks the server more often, `reconnect_timing.ts`). */
  constructor(readonly userId: string, port: number, urgent = false) {
    const connect = webSocketConnector({
      protocol: "http:",
      host: `127.0.0.1:${port}`,
    });
    this.session = new ServerConnection({
      connect: (credentials, handlers) => {
        this.dials++;
        return connect(credentials, handlers);
      },
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as number),
      random: Math.random,
    }, {
      onMessage: (message) => {
        if (
          message.type === "error" &&
          message.payload.code === "peer-unavailable"
        ) {
          this.refusals++;
        } else {
          this.heard.push(message);
        }
        for (const wake of this.#waiters.splice(0)) wake();
      },
      onReady: () => {
        for (const wake of this.#waiters.splice(0)) wake();
      },
      onSignedOut: (sentence) => {
        if (this.#joined) {
          this.fatal = `${userId} was signed out: ${sentence}`;
          return;
        }
        // The first dial met a fault: join again, as a person would.
        setTimeout(() => this.session.open({ userId }), 100);
      },
      urgent: () => urgent,
    });
    this.session.open({ userId });
  }

  /** Why the client cannot go on, if it cannot. */
  fatal: string | null = null;
  #joined = false;

  send(message: ClientMessage): void {
    this.session.send(message);
  }

  /** Waits until it heard a message with `tag`; fails after `timeoutMs`. */
  async heardTag(tag: string, timeoutMs = 120_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.heard.find((m) =>
        (m.payload as { tag?: string }).tag === tag
      );
      if (found) return found;
      if (this.fatal) throw new Error(this.fatal);
      if (Date.now() > deadline) {
        throw new Error(
          `${this.userId} never heard ${tag}; last heard: ${
            JSON.stringify(this.heard.slice(-3))
          }`,
        );
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 1_000);
      });
    }
  }

  /** Waits until signed in (2 minutes at most). */
  async ready(): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (this.session.state.value !== "signed-in") {
      if (Date.now() > deadline) {
        throw new Error(`${this.userId} never signed in`);
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    this.#joined = true;
  }

  /** The tags of the call messages it heard, in order. */
  tags(): string[] {
    return this.heard.map((m) => (m.payload as { tag?: string }).tag ?? m.type);
  }
}
