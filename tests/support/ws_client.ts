/** A WebSocket test client that queues what the server sends and waits for it. */
import type { ServerMessage } from "../../lib/wire/protocol.ts";

const WAIT_MS = 5_000;

/** A signaling client as an outside tool would write it. */
export class TestClient {
  /** Non-presence messages not yet taken. */
  readonly inbox: ServerMessage[] = [];
  /** Presence messages, kept apart so tests can use them as barriers. */
  readonly presence: ServerMessage[] = [];
  readonly closed: Promise<CloseEvent>;
  /** The `session:ready` it joined with (`join`). */
  ready?: Extract<ServerMessage, { type: "session:ready" }>;
  #waiters: (() => void)[] = [];

  private constructor(readonly userId: string, readonly socket: WebSocket) {
    socket.onmessage = (event) => {
      const message = typeof event.data === "string"
        ? JSON.parse(event.data)
        : event.data;
      (message.type?.startsWith("presence:") ? this.presence : this.inbox).push(
        message,
      );
      for (const wake of this.#waiters.splice(0)) wake();
    };
    this.closed = new Promise((resolve) => {
      socket.addEventListener("close", (event) => {
        resolve(event);
        for (const wake of this.#waiters.splice(0)) wake();
      });
    });
  }

  /**
   * Opens a socket to `url` without waiting for anything; with `cookie`,
   * the handshake carries it, as a signed-in browser's does.
   */
  static open(url: string, userId: string, cookie?: string): TestClient {
    return new TestClient(
      userId,
      // Deno's WebSocket takes handshake headers.
      new WebSocket(url, cookie ? { headers: { cookie } } as never : undefined),
    );
  }

  /**
   * Joins `base` (e.g. `ws://127.0.0.1:1234/ws`) as `userId` and waits for
   * session:ready; `query` replaces `userId=…`, e.g. with `token=…`.
   */
  static async join(
    base: string,
    userId: string,
    query = `userId=${encodeURIComponent(userId)}`,
    cookie?: string,
  ): Promise<TestClient> {
    const client = TestClient.open(`${base}?${query}`, userId, cookie);
    const ready = await client.next();
    if (ready.type !== "session:ready") {
      throw new Error(
        `${userId} expected session:ready, got ${JSON.stringify(ready)}`,
      );
    }
    client.ready = ready;
    await client.#until(
      () => client.presence.some((m) => m.type === "presence:list"),
      "presence:list",
    );
    return client;
  }

  /** Sends a message. */
  send(type: string, payload: Record<string, unknown>): void {
    this.socket.send(JSON.stringify({ type, payload }));
  }

  /** Sends a raw frame. */
  sendRaw(data: string | Uint8Array<ArrayBuffer>): void {
    this.socket.send(data);
  }

  /** The next non-presence message. */
  async next(): Promise<ServerMessage> {
    await this.#until(() => this.inbox.length > 0, "a message");
    return this.inbox.shift()!;
  }

  /** The next message, which must be of `type`. */
  async expect<T extends ServerMessage["type"]>(
    type: T,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const message = await this.next();
    if (message.type !== type) {
      throw new Error(
        `${this.userId} expected ${type}, got ${JSON.stringify(message)}`,
      );
    }
    return message as Extract<ServerMessage, { type: T }>;
  }

  /**
   * Waits for a message that `matches`, wherever it is among those not yet
   * taken, and takes it: for servers whose messages may arrive in either order.
   */
  async find<T extends ServerMessage["type"]>(
    type: T,
    matches: (message: Extract<ServerMessage, { type: T }>) => boolean = () =>
      true,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const index = () =>
      this.inbox.findIndex((m) =>
        m.type === type && matches(m as Extract<ServerMessage, { type: T }>)
      );
    await this.#until(() => index() >= 0, type);
    return this.inbox.splice(index(), 1)[0] as Extract<
      ServerMessage,
      { type: T }
    >;
  }

  /** Waits until the presence update for `userId` arrives. */
  async seesPresence(userId: string, online: boolean): Promise<void> {
    await this.#until(
      () =>
        this.presence.some((m) =>
          m.type === "presence:update" && m.payload.userId === userId &&
          m.payload.online === online
        ),
      `presence of ${userId}`,
    );
  }

  /** Closes the socket and waits until it is closed. */
  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    await this.closed;
  }

  async #until(done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!done()) {
      if (this.socket.readyState === WebSocket.CLOSED && !done()) {
        throw new Error(
          `${this.userId}: socket closed while waiting for ${what}`,
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `${this.userId}: no ${what} within ${WAIT_MS} ms; inbox: ${
            JSON.stringify(this.inbox)
          }`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, remaining);
      });
      clearTimeout(timer);
    }
  }
}

/** What a page that applies presence messages as the protocol says believes is online. */
export function believedOnline(client: TestClient): Set<string> {
  let online = new Set<string>();
  for (const message of client.presence) {
    if (message.type === "presence:list") {
      online = new Set(message.payload.users);
    } else if (message.type === "presence:update") {
      if (message.payload.online) online.add(message.payload.userId);
      else online.delete(message.payload.userId);
    }
  }
  online.delete(client.userId);
  return online;
}

let barrierCount = 0;

/**
 * Proves that nothing more is on its way to `clients`: a new user joins, and
 * once every client has seen it arrive, anything sent to them before has
 * arrived too, because each socket delivers in order.
 */
export async function settle(
  base: string,
  ...clients: TestClient[]
): Promise<void> {
  const marker = await TestClient.join(base, `barrier-${++barrierCount}`);
  await Promise.all(
    clients.map((client) => client.seesPresence(marker.userId, true)),
  );
  await marker.close();
}

/** Waits until `client` is shown `userId` online, or not (5 s at most). */
export async function untilShown(
  client: TestClient,
  userId: string,
  shown: boolean,
): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (believedOnline(client).has(userId) !== shown) {
    if (Date.now() > deadline) {
      throw new Error(
        `${client.userId} is ${shown ? "not " : ""}shown ${userId}: ${
          JSON.stringify(client.presence)
        }`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
