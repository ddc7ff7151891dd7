/** The Deno side of signaling: upgrades `/ws` requests and wires sockets to the hub. */
import { isUserId } from "../protocol.ts";
import type { SignalingHub } from "./hub.ts";
import type { Session } from "./session.ts";

/** Seconds without a pong after which Deno closes a socket as dead. */
const IDLE_TIMEOUT_S = 30;

function plain(
  status: number,
  sentence: string,
  headers: HeadersInit = {},
): Response {
  return new Response(sentence + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/**
 * Answers a request for `/ws`: upgrades it to a WebSocket joined to `hub`
 * under `?userId=`, or explains in a sentence why not.
 */
export function upgradeSignaling(req: Request, hub: SignalingHub): Response {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return plain(
      426,
      "This is the Nexus Call signaling endpoint: open it with a WebSocket client, e.g. ws://HOST/ws?userId=alice.",
      { upgrade: "websocket" },
    );
  }
  const userId = new URL(req.url).searchParams.get("userId");
  if (!isUserId(userId)) {
    return plain(
      400,
      "The userId query parameter must be 1–64 of A–Z a–z 0–9 . _ ~ -.",
    );
  }
  const { socket, response } = Deno.upgradeWebSocket(req, {
    idleTimeout: IDLE_TIMEOUT_S,
  });
  let session: Session | undefined;
  socket.onopen = () => {
    session = hub.connect(userId, socket);
  };
  socket.onmessage = (event) => {
    if (session) hub.receive(session, event.data);
  };
  socket.onclose = () => {
    if (session) hub.disconnect(session);
    session = undefined;
  };
  return response;
}
