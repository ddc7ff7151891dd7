/** The browser's end of the signaling socket. */
import type { ClientMessage, ServerMessage } from "../protocol.ts";

/** An open signaling connection. */
export interface SignalingConnection {
  send(message: ClientMessage): void;
  close(): void;
}

/** What a signaling connection reports. */
export interface SignalingHandlers {
  onMessage(message: ServerMessage): void;
  onClose(code: number, reason: string): void;
}

/** Opens a signaling connection; a function so tests can hand in a fake one. */
export type SignalingConnector = (
  userId: string,
  handlers: SignalingHandlers,
) => SignalingConnection;

/** The `/ws` URL for a user on the page's own server: `wss:` when the page is https. */
export function signalingUrl(
  location: { protocol: string; host: string },
  userId: string,
): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws?userId=${encodeURIComponent(userId)}`;
}

/** Connects to the page's own server with the browser's WebSocket. */
export const connectWebSocket: SignalingConnector = (userId, handlers) => {
  const socket = new WebSocket(signalingUrl(location, userId));
  socket.onmessage = (event) => {
    if (typeof event.data !== "string") return;
    let message: ServerMessage;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    handlers.onMessage(message);
  };
  socket.onclose = (event) => handlers.onClose(event.code, event.reason);
  return {
    send(message) {
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(message));
      }
    },
    close() {
      socket.onclose = null;
      socket.close(1000, "signed out");
    },
  };
};
