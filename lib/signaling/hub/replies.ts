/**
 * What the hub says back: a message to one socket, an error to a session,
 * and how a failure of the engine is reported, to the session that waited
 * on it or, for work nobody waits for, to the observer alone.
 * @module
 */
import {
  ERROR_CODES,
  type ErrorCode,
  type ServerMessage,
} from "../../wire/protocol.ts";
import { sendText, type Session, type SignalingSocket } from "../session.ts";
import type { HubContext } from "./context.ts";

/** Sends one message to one socket. */
export function send(socket: SignalingSocket, message: ServerMessage): void {
  sendText(socket, JSON.stringify(message));
}

/** Answers a session with an error, and reports the refusal. */
export function sendError(
  hub: HubContext,
  session: Session,
  code: ErrorCode,
  message?: string,
  inReplyTo?: string,
): void {
  hub.observer.refused?.(code, session.userId);
  send(session.socket, {
    type: "error",
    payload: {
      code,
      message: message ?? ERROR_CODES[code],
      ...(inReplyTo && { inReplyTo }),
    },
  });
}

/** The engine failed while handling a session's frame: the session hears of it. */
export function reportFailure(
  hub: HubContext,
  session: Session,
  operation: string,
  error: unknown,
): void {
  hub.observer.engineFailed?.(operation, error);
  if (hub.sessions.has(session)) {
    const inReplyTo = operation === "join" ? undefined : operation;
    sendError(hub, session, "unavailable", undefined, inReplyTo);
  }
}

/** Runs work nobody waits for; a failure is reported, never thrown. */
export function inBackground(
  hub: HubContext,
  operation: string,
  work: Promise<void>,
): Promise<void> {
  return work.catch((error) => hub.observer.engineFailed?.(operation, error));
}
