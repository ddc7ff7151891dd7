/**
 * Reading a session's frames: the size cap and rate limit first, then
 * parsing, then the handler of the message's type, one frame after another
 * per session so that an answer never overtakes its offer.
 * @module
 */
import {
  type ClientType,
  MAX_FRAME_BYTES,
  type PayloadOf,
} from "../../wire/protocol.ts";
import { isOversized, parseClientFrame } from "../client_frames.ts";
import { frameCost } from "../rate_limit.ts";
import type { Session } from "../session.ts";
import { requestCall } from "./call_request.ts";
import { respondToCall } from "./call_response.ts";
import type { HubContext, SessionGuards } from "./context.ts";
import { refuse, tooLarge } from "./guards.ts";
import { endCall } from "./hang_up.ts";
import { relayInCall } from "./relay.ts";
import { reportFailure, send, sendError } from "./replies.ts";
import { resumeCall } from "./resume.ts";

type Route<T extends ClientType> = (
  hub: HubContext,
  session: Session,
  payload: PayloadOf<T>,
) => void | Promise<void>;

const routes: { [T in ClientType]: Route<T> } = {
  "call:request": requestCall,
  "call:response": respondToCall,
  "webrtc:offer": (hub, session, payload) =>
    relayInCall(hub, session, "webrtc:offer", payload),
  "webrtc:answer": (hub, session, payload) =>
    relayInCall(hub, session, "webrtc:answer", payload),
  "webrtc:candidate": (hub, session, payload) =>
    relayInCall(hub, session, "webrtc:candidate", payload),
  "call:end": endCall,
  "call:resume": resumeCall,
  ping: (_hub, session) => send(session.socket, { type: "pong", payload: {} }),
  ack: (_hub, session, payload) => {
    if (payload.request) session.delivery?.acknowledgeNow();
  },
};

/** The size in bytes of a binary frame, however the socket hands it over. */
function sizeOf(frame: unknown): number {
  const binary = frame as { byteLength?: number; size?: number };
  return binary.byteLength ?? binary.size ?? 0;
}

/** Handles one frame from a session: text frames only. Settles when it is handled. */
export function receive(
  hub: HubContext,
  session: Session,
  frame: unknown,
): Promise<void> | void {
  const arrived = performance.now();
  const guards = hub.sessions.get(session);
  if (!guards || guards.closing) return;
  if (guards.lastHeard !== null) guards.lastHeard = hub.now();
  if (typeof frame !== "string") {
    if (sizeOf(frame) > MAX_FRAME_BYTES) return tooLarge(hub, session, guards);
    if (!guards.messages.take()) return refuse(hub, session, guards);
    return sendError(hub, session, "binary-frame");
  }
  // Checked before anything else reads it: its sender is cut off at once.
  if (isOversized(frame)) return tooLarge(hub, session, guards);
  if (!guards.messages.take(frameCost(frame.length))) {
    return refuse(hub, session, guards);
  }
  const parsed = parseClientFrame(frame);
  if (!parsed.ok) {
    return sendError(
      hub,
      session,
      parsed.code,
      parsed.message,
      parsed.inReplyTo,
    );
  }
  const { type, payload } = parsed.message;
  if (
    session.delivery && !session.delivery.arrived(type, parsed.seq, parsed.ack)
  ) {
    return;
  }
  return inOrder(
    hub,
    session,
    guards,
    type,
    () => {
      guards.frameArrived = arrived;
      return (routes[type] as Route<typeof type>)(hub, session, {
        ...payload,
        from: session.userId,
      } as PayloadOf<typeof type>);
    },
  );
}

/**
 * Runs a session's frames one after another: a frame that waits on the
 * engine holds back the next, so that an answer never overtakes its offer.
 * A frame that needs no engine runs at once when nothing waits.
 */
export function inOrder(
  hub: HubContext,
  session: Session,
  guards: SessionGuards,
  operation: string,
  handle: () => void | Promise<void>,
): Promise<void> | void {
  const run = () => {
    try {
      const result = handle();
      return result &&
        result.catch((error) => reportFailure(hub, session, operation, error));
    } catch (error) {
      reportFailure(hub, session, operation, error);
    }
  };
  const result = guards.pending ? guards.pending.then(run) : run();
  if (!result) return;
  guards.pending = result;
  result.then(() => {
    if (guards.pending === result) guards.pending = null;
  });
  return result;
}
