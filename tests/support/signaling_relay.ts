/**
 * A signaling relay in front of the app, as a compromised server or anyone
 * on the signaling path would be: it serves the app's pages and forwards
 * each user's socket to the app, and a test may take a client's frame
 * instead of forwarding it (`divert`) and put frames of its own in front
 * of a user (`deliver`). It does not speak the delivery layer
 * (`delivery=1`), as an older or a hostile relay would not. Test-only.
 */

/** A frame a client sent, as JSON. */
export interface Frame {
  type: string;
  payload: Record<string, unknown>;
}

/** Takes a client's frame: true when the relay should not forward it. */
export type Diverter = (user: string, frame: Frame) => Promise<boolean>;

/** A running relay. */
export interface SignalingRelay {
  /** e.g. `http://127.0.0.1:PORT`: open the app here to go through the relay. */
  http: string;
  /** Hands `frame` to `user`'s page as if the app had sent it. */
  deliver(user: string, frame: Frame): void;
  /** What went wrong in `divert` so far: a frame it threw on is dropped. */
  failures: unknown[];
  /** Resolves once the app has sent `user` a frame of `type` through the relay. */
  untilDelivered(user: string, type: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts a relay to the app at `app` (`http://host:port`); `divert` sees every client frame, one at a time per socket. */
export function startSignalingRelay(
  app: string,
  divert: Diverter,
): SignalingRelay {
  const pages = new Map<string, WebSocket>();
  const seen: { user: string; type: string }[] = [];
  const waiting: { user: string; type: string; resolve(): void }[] = [];
  const sockets = new Set<WebSocket>();
  const failures: unknown[] = [];

  const delivered = (user: string, type: string) => {
    seen.push({ user, type });
    for (
      const wait of waiting.filter((w) => w.user === user && w.type === type)
    ) {
      waiting.splice(waiting.indexOf(wait), 1);
      wait.resolve();
    }
  };

  const relaySocket = (request: Request, url: URL): Response => {
    const user = url.searchParams.get("userId") ?? "";
    const { socket: page, response } = Deno.upgradeWebSocket(request);
    // This relay does not speak the delivery layer: it drops and adds frames
    // at will, which numbered frames would not survive. It joins without it,
    // and the page, told so by session:ready, speaks the plain protocol.
    const upstreamSearch = new URLSearchParams(url.search);
    upstreamSearch.delete("delivery");
    const upstream = new WebSocket(
      `${app.replace(/^http/, "ws")}${url.pathname}?${upstreamSearch}`,
    );
    sockets.add(page).add(upstream);
    const opened = new Promise((resolve) => upstream.onopen = resolve);
    // Each socket's frames in order, however long a diverted one takes.
    let turn: Promise<unknown> = Promise.resolve();
    page.onopen = () => pages.set(user, page);
    page.onmessage = (event) => {
      turn = turn.then(async () => {
        const frame = JSON.parse(event.data);
        if (await divert(user, frame)) return;
        await opened;
        if (upstream.readyState === WebSocket.OPEN) upstream.send(event.data);
      }).catch((error) => failures.push(error));
    };
    upstream.onmessage = (event) => {
      if (page.readyState !== WebSocket.OPEN) return;
      page.send(event.data);
      delivered(user, JSON.parse(event.data).type);
    };
    page.onclose = () => upstream.close();
    upstream.onclose = (event) => {
      if (page.readyState === WebSocket.OPEN) {
        page.close(event.code, event.reason);
      }
    };
    return response;
  };

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      if (request.headers.get("upgrade") === "websocket") {
        return relaySocket(request, url);
      }
      const answer = await fetch(`${app}${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
      });
      const headers = new Headers(answer.headers);
      // fetch has undone the app's compression already.
      headers.delete("content-encoding");
      headers.delete("content-length");
      return new Response(answer.body, { status: answer.status, headers });
    },
  );
  return {
    http: `http://127.0.0.1:${server.addr.port}`,
    failures,
    deliver(user, frame) {
      pages.get(user)?.send(JSON.stringify(frame));
    },
    untilDelivered(user, type) {
      if (seen.some((s) => s.user === user && s.type === type)) {
        return Promise.resolve();
      }
      return new Promise((resolve) => waiting.push({ user, type, resolve }));
    },
    async close() {
      for (const socket of sockets) socket.close();
      await server.shutdown();
    },
  };
}
