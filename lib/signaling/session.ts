/**
 * A connected device as the signaling core sees it: a user id, a device id and a socket.
 * @module
 */
import type { GuestCard } from "../wire/protocol.ts";

/** The part of a WebSocket the signaling core uses. */
export interface SignalingSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Bytes sent and not yet handed to the network, where the socket tells. */
  readonly bufferedAmount?: number;
}

/** Sends on a socket that may be closing: its close handler cleans up, so a failed send is dropped. */
export function sendText(socket: SignalingSocket, text: string): void {
  try {
    socket.send(text);
  } catch {
    // The socket is closing; its close handler will clean up.
  }
}

/** What the hub asks of a device's delivery session about each frame. */
export interface DeliveryHook {
  /** A frame with these numbers arrived: whether its message is to be handled (not a duplicate). */
  arrived(type: string, seq?: number, ack?: number): boolean;
  /** The page asked for the server's acknowledgement now. */
  acknowledgeNow(): void;
}

/** One connection: a user on one device (a tab, a phone). */
export interface Session {
  readonly userId: string;
  /** Stable across reconnects of the same page, so a reconnect resumes its call. */
  readonly deviceId: string;
  readonly socket: SignalingSocket;
  /**
   * The page takes the caller's offer while it rings (it joined with
   * `prepare=1`), to prepare the call before it is answered.
   */
  readonly prepares?: boolean;
  /** With `delivery=1`: the device's delivery session, told of each frame. */
  readonly delivery?: DeliveryHook;
  /** The client joined with `parts=1`: a long `presence:list` goes to it in parts (`presence_feed.ts`). */
  readonly listsInParts?: boolean;
  /** A guest who came by a call link: who they say they are, shown to the callee. */
  readonly guest?: GuestCard;
}
