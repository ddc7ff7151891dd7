/**
 * How the server reads a client's frame: the size cap, the payload's shape
 * counted before parsing, then each message type's schema (valibot). The
 * page never imports this: it trusts its own messages and keeps its bundle
 * small.
 * @module
 */
import * as v from "valibot";
import {
  type ClientMessage,
  type ClientType,
  END_REASONS,
  ERROR_CODES,
  type ErrorCode,
  MAX_FRAME_BYTES,
  RELAYED_TYPES,
  type RelayedType,
  USER_ID_PATTERN,
} from "../wire/protocol.ts";

/**
 * The most fields and items (at any depth) a payload may hold: the six
 * messages need a dozen; the cap keeps a frame of thousands of unknown
 * fields from costing hundreds of times a normal one to parse.
 */
export const MAX_PAYLOAD_VALUES = 256;

/** How deeply a payload's objects and arrays may nest. */
export const MAX_PAYLOAD_DEPTH = 8;

const UserId = v.pipe(
  v.string(),
  v.regex(USER_ID_PATTERN, "must be 1–64 of A–Z a–z 0–9 . _ ~ -"),
);
// Clients may send `from`; the server replaces it with the sender's own id.
const ClaimedFrom = v.optional(v.pipe(v.string(), v.maxLength(64)));
const Reason = v.optional(v.picklist(END_REASONS));

const SessionDescription = v.object({
  type: v.picklist(["offer", "answer", "pranswer", "rollback"]),
  sdp: v.optional(v.pipe(v.string(), v.maxLength(60_000))),
});

const IceCandidate = v.object({
  candidate: v.optional(v.pipe(v.string(), v.maxLength(2_048))),
  sdpMid: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(64)))),
  sdpMLineIndex: v.optional(
    v.nullable(
      v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_023)),
    ),
  ),
  usernameFragment: v.optional(
    v.nullable(v.pipe(v.string(), v.maxLength(256))),
  ),
});

// Payloads are loose: extension fields travel on, within the frame size cap.
// Each schema's output is the protocol's `ClientPayloads` entry (checked in
// client_frames_test.ts).
const payloads = {
  "call:request": v.looseObject({
    from: ClaimedFrom,
    to: UserId,
    hasVideo: v.boolean(),
    hasAudio: v.boolean(),
  }),
  "call:response": v.looseObject({
    from: ClaimedFrom,
    to: UserId,
    accepted: v.boolean(),
    reason: Reason,
    /** The answering device took the caller's early offer while it rang: its answer follows. */
    prepared: v.optional(v.boolean()),
  }),
  "webrtc:offer": v.looseObject({
    from: ClaimedFrom,
    to: UserId,
    offer: SessionDescription,
  }),
  "webrtc:answer": v.looseObject({
    from: ClaimedFrom,
    to: UserId,
    answer: SessionDescription,
  }),
  "webrtc:candidate": v.looseObject({
    from: ClaimedFrom,
    to: UserId,
    candidate: IceCandidate,
  }),
  "call:end": v.looseObject({ from: ClaimedFrom, to: UserId, reason: Reason }),
};

/** Messages between a client and the server alone. */
const controls = {
  /** A heartbeat: the server answers `pong`. */
  ping: v.optional(v.looseObject({}), {}),
  /** The delivery layer's acknowledgement (its count rides in `ack`); `request` asks for the server's now. */
  ack: v.optional(v.looseObject({ request: v.optional(v.boolean()) }), {}),
  /** After reconnecting (even to a restarted server): "I am still in a call with `to`". */
  "call:resume": v.looseObject({ from: ClaimedFrom, to: UserId }),
};

/** Every message type's payload schema. */
export const clientPayloads = { ...payloads, ...controls };

const RELAYED: ReadonlySet<string> = new Set(RELAYED_TYPES);

/** Whether `type` is one of the six relayed message types. */
export function isRelayedType(type: string): type is RelayedType {
  return RELAYED.has(type);
}

/** The result of reading a client's frame. */
export type ParseResult =
  | { ok: true; message: ClientMessage; seq?: number; ack?: number }
  | { ok: false; code: ErrorCode; message: string; inReplyTo?: string };

function utf8Length(text: string): number {
  // A UTF-16 unit is at most 3 UTF-8 bytes, so most frames need no counting.
  if (text.length * 3 <= MAX_FRAME_BYTES) return text.length;
  return new TextEncoder().encode(text).length;
}

/** Whether `frame` is over the size cap; a UTF-16 unit is at least one UTF-8 byte. */
export function isOversized(frame: string): boolean {
  return frame.length > MAX_FRAME_BYTES || utf8Length(frame) > MAX_FRAME_BYTES;
}

/** Where the JSON string opened at `start` closes (the end of `text` if it does not). */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return text.length;
}

/** What each open container of the frame being read is, by depth: one buffer for every frame. */
const open = new Uint8Array(MAX_PAYLOAD_DEPTH + 1);
const OBJECT = 0;
const EMPTY_ARRAY = 1;
const ARRAY = 2;

/**
 * Whether a frame's JSON stays within `MAX_PAYLOAD_VALUES` and
 * `MAX_PAYLOAD_DEPTH`, read from its text before it is parsed: parsing a
 * frame of thousands of fields is what costs. A value is a field (counted by
 * its `:`) or an array item (the first by whatever opens it, each next one
 * by its `,`), counted at any depth below the message's own
 * `{"type":…,"payload":…}`, whose fields count apart, against the same cap.
 */
function withinShape(frame: string): boolean {
  let depth = 0;
  let payloadValues = 0;
  let envelopeFields = 0;
  /** Counts one value where it stands; false past the cap. */
  const counted = () =>
    depth > 1
      ? ++payloadValues <= MAX_PAYLOAD_VALUES
      : ++envelopeFields <= MAX_PAYLOAD_VALUES;
  for (let i = 0; i < frame.length; i++) {
    const char = frame.charCodeAt(i);
    if (char <= 0x20) continue;
    if (char === 0x3a || (char === 0x2c && open[depth - 1] === ARRAY)) {
      if (!counted()) return false;
      continue;
    }
    if (char === 0x7d || char === 0x5d) {
      depth--;
      continue;
    }
    if (char === 0x2c) continue;
    // A value starts here: an array's first item is counted by it.
    if (open[depth - 1] === EMPTY_ARRAY) {
      open[depth - 1] = ARRAY;
      if (!counted()) return false;
    }
    if (char === 0x22) {
      i = stringEnd(frame, i);
    } else if (char === 0x7b || char === 0x5b) {
      if (depth > MAX_PAYLOAD_DEPTH) return false;
      open[depth++] = char === 0x5b ? EMPTY_ARRAY : OBJECT;
    }
  }
  return true;
}

/** Reads and validates one frame from a client. */
export function parseClientFrame(frame: string): ParseResult {
  if (isOversized(frame)) {
    return { ok: false, code: "too-large", message: ERROR_CODES["too-large"] };
  }
  if (!withinShape(frame)) {
    return {
      ok: false,
      code: "invalid-message",
      message:
        `A payload may hold at most ${MAX_PAYLOAD_VALUES} fields and items, nested at most ${MAX_PAYLOAD_DEPTH} deep.`,
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(frame);
  } catch {
    return {
      ok: false,
      code: "invalid-json",
      message: ERROR_CODES["invalid-json"],
    };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return {
      ok: false,
      code: "invalid-message",
      message: 'A message is an object: {"type": string, "payload": object}.',
    };
  }
  const { type, payload, seq, ack } = data as {
    type?: unknown;
    payload?: unknown;
    seq?: unknown;
    ack?: unknown;
  };
  if (
    (seq !== undefined && !isCount(seq)) || (ack !== undefined && !isCount(ack))
  ) {
    return {
      ok: false,
      code: "invalid-message",
      message: "seq and ack are whole numbers of messages.",
    };
  }
  if (typeof type !== "string") {
    return {
      ok: false,
      code: "invalid-message",
      message: 'The message needs a string "type".',
    };
  }
  if (!Object.hasOwn(clientPayloads, type)) {
    return {
      ok: false,
      code: "unknown-type",
      message: `Unknown message type "${type.slice(0, 64)}".`,
    };
  }
  const schema = clientPayloads[type as ClientType];
  const result = v.safeParse(schema, payload);
  if (!result.success) {
    const issue = result.issues[0];
    const path = [
      "payload",
      ...(issue.path ?? []).map((item) => String(item.key)),
    ].join(".");
    return {
      ok: false,
      code: "invalid-message",
      message: `${type}: ${path} ${issue.message}`,
      inReplyTo: type,
    };
  }
  return {
    ok: true,
    message: { type, payload: result.output } as ClientMessage,
    seq: seq as number | undefined,
    ack: ack as number | undefined,
  };
}

/** Whether `value` is a count of messages: a whole number from 0 to 2³¹−1. */
function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 &&
    (value as number) < 2 ** 31;
}
