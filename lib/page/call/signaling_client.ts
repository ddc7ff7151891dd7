/**
 * The browser's end of the signaling socket.
 * @module
 */
import type {
  ClientMessage,
  DeliveryFields,
  ServerMessage,
} from "../../wire/protocol.ts";

/** A frame as it goes on the wire: the delivery layer's numbers in front of the message. */
export type ClientFrame = DeliveryFields & ClientMessage;
/** A frame as it comes off the wire. */
export type ServerFrame = DeliveryFields & ServerMessage;

/** An open signaling connection. */
export interface SignalingConnection {
  send(frame: ClientFrame): void;
  close(): void;
}

/** What a signaling connection reports. */
export interface SignalingHandlers {
  onMessage(frame: ServerFrame): void;
  onClose(code: number, reason: string): void;
}

/**
 * Who joins: an id (open mode), a token whose `sub` is the id, the
 * session cookie the browser sends by itself (accounts mode), or a call
 * link's secret with the guest's name; and from which device.
 */
export type Credentials =
  & (
    | { userId: string }
    | { token: string }
    | { cookie: true }
    | { link: string; name: string }
  )
  & {
    deviceId?: string;
    /** The delivery session to resume, and how many of its messages this page has. */
    resume?: { session: string; received: number };
  };

/** Opens a signaling connection; a function so tests can hand in a fake one. */
export type SignalingConnector = (
  credentials: Credentials,
  handlers: SignalingHandlers,
) => SignalingConnection;

/** The `/ws` URL on the page's own server: `wss:` when the page is https. */
export function signalingUrl(
  location: { protocol: string; host: string },
  credentials: Credentials,
): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams(
    "token" in credentials
      ? { token: credentials.token }
      : "userId" in credentials
      ? { userId: credentials.userId }
      : "link" in credentials
      ? { link: credentials.link, name: credentials.name }
      : {},
  );
  if (credentials.deviceId) query.set("deviceId", credentials.deviceId);
  // Nothing lost on a socket that dies: numbered, acknowledged, resumed.
  query.set("delivery", "1");
  if (credentials.resume) {
    query.set("resume", credentials.resume.session);
    query.set("received", String(credentials.resume.received));
  }
  // This client pings every 15 s, so the server need not ping it.
  query.set("heartbeat", "1");
  // This page takes the caller's offer while it rings (`early_offer.ts` on the server).
  query.set("prepare", "1");
  // A long presence list in parts: the server then keeps less for this socket.
  query.set("parts", "1");
  return `${scheme}//${location.host}/ws?${query}`;
}

/** Connects to the page's own server with the browser's WebSocket. */
export const connectWebSocket: SignalingConnector = (credentials, handlers) =>
  webSocketConnector(location)(credentials, handlers);

/** Connects with the platform's WebSocket to the server at `server` (a page's `location`, or a test's). */
export const webSocketConnector = (
  server: { protocol: string; host: string },
): SignalingConnector =>
(credentials, handlers) => {
  const socket = new WebSocket(signalingUrl(server, credentials));
  socket.onmessage = (event) => {
    if (typeof event.data !== "string") return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    handlers.onMessage(frame);
  };
  socket.onclose = (event) => handlers.onClose(event.code, event.reason);
  return {
    send(frame) {
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(frame));
      }
    },
    close() {
      socket.onclose = null;
      socket.close(1000, "signed out");
    },
  };
};
