/** A connected user as the signaling core sees it: an id and a socket. */

/** The part of a WebSocket the signaling core uses. */
export interface SignalingSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
}

/** One connection, joined under a user id. */
export interface Session {
  readonly userId: string;
  readonly socket: SignalingSocket;
}
