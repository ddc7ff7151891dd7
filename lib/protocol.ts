/**
 * The Nexus Call wire protocol, shared by the server and the island: message
 * types, their validation and the error codes. Every frame is a UTF-8 JSON
 * text frame `{ "type": string, "payload": object }`.
 * @module
 */
import * as v from "valibot";

/** The largest frame the server reads, in bytes of UTF-8. */
export const MAX_FRAME_BYTES = 64 * 1024;

/**
 * The most fields and items (at any depth) a payload may hold: the six
 * messages need a dozen; the cap keeps a frame of thousands of unknown
 * fields from costing hundreds of times a normal one to parse.
 */
export const MAX_PAYLOAD_VALUES = 256;

/** How deeply a payload's objects and arrays may nest. */
export const MAX_PAYLOAD_DEPTH = 8;

/** What a user id may be: 1–64 of `A–Z a–z 0–9 . _ ~ -`. */
export const USER_ID_PATTERN = /^[A-Za-z0-9._~-]{1,64}$/;

/** What a device id may be: 1–64 of `A–Z a–z 0–9 _ -`. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A new device id: 18 of `a–z 0–9` (93 bits), one for each number `random`
 * gives in [0, 1). The server and the page both make them with this.
 */
export function newDeviceId(random: () => number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(
    { length: 18 },
    () => alphabet[Math.floor(random() * alphabet.length)],
  ).join("");
}

/** Whether `id` is a valid device id. */
export function isDeviceId(id: unknown): id is string {
  return typeof id === "string" && DEVICE_ID_PATTERN.test(id);
}

/** Whether `id` is a valid user id. */
export function isUserId(id: unknown): id is string {
  return typeof id === "string" && USER_ID_PATTERN.test(id);
}

/**
 * Every error code the server sends, with the sentence it sends by default.
 * A recoverable error never closes the socket.
 */
export const ERROR_CODES = {
  "invalid-json": "The frame is not valid JSON.",
  "invalid-message": "The message does not have the fields its type requires.",
  "unknown-type": "The server does not know this message type.",
  "too-large": `Frames may be at most ${MAX_FRAME_BYTES} bytes.`,
  "binary-frame": "Only JSON text frames are accepted, not binary ones.",
  "peer-unavailable": "That user is not online.",
  "not-in-call":
    "That message needs a call in progress between you and that user.",
  "already-in-call": "You are already in a call; end it first.",
  "self-call": "You cannot call yourself.",
  "rate-limited": "Too many messages: slow down.",
  unavailable:
    "The server cannot reach the state it shares with other instances; try again shortly.",
} as const;

/** WebSocket close codes the server uses, with the reason it gives. */
export const CLOSE_CODES = {
  /** The same device connected again; this older connection is replaced. */
  replaced: 4409,
  /** Policy: the token expired, or the client kept flooding. */
  policy: 1008,
  /** The client sent a frame over the size cap: nothing more of it is read. */
  tooLarge: 1009,
  /** The server is restarting: reconnect at once. */
  restarting: 1012,
  /** The connection caps filled while this socket was opening: try again later. */
  tryAgainLater: 1013,
  /** A heartbeat client went silent: the connection counts as dead. */
  silent: 4408,
} as const;

/** A machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Why a call ended or was refused, as `reason` carries it. */
export const END_REASONS = [
  "hangup",
  "declined",
  "busy",
  "no-answer",
  "cancelled",
  "peer-gone",
  "ice-failed",
  "media-failed",
  "answered-elsewhere",
  "glare",
] as const;

/** One of `END_REASONS`. */
export type EndReason = typeof END_REASONS[number];

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
  /** After reconnecting (even to a restarted server): "I am still in a call with `to`". */
  "call:resume": v.looseObject({ from: ClaimedFrom, to: UserId }),
};

const clientPayloads = { ...payloads, ...controls };

/** The six message types a client sends, each relayed to the user in `to`. */
export type RelayedType = keyof typeof payloads;

/** Every message type a client may send. */
export type ClientType = keyof typeof clientPayloads;

/** The relayed message types, in protocol order. */
export const RELAYED_TYPES = Object.keys(payloads) as RelayedType[];

// Loose payloads infer an index signature; the protocol's types name only the known fields.
type KnownFields<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
type ClientPayload<T extends ClientType> = KnownFields<
  v.InferOutput<typeof clientPayloads[T]>
>;

/** Whether `type` is one of the six relayed message types. */
export function isRelayedType(type: string): type is RelayedType {
  return Object.hasOwn(payloads, type);
}

/** A message as a client sends it (`from` optional and ignored). */
export type ClientMessage = {
  [T in ClientType]: { type: T; payload: ClientPayload<T> };
}[ClientType];

/** A relayed message as the server delivers it: `from` is the sender's id. */
export type RelayedMessage<T extends RelayedType = RelayedType> = {
  [K in T]: {
    type: K;
    payload: Omit<ClientPayload<K>, "from"> & { from: string };
  };
}[T];

/** The payload of a client's message of type `T`, with `from` stamped by the server. */
export type PayloadOf<T extends ClientType> = Omit<ClientPayload<T>, "from"> & {
  from: string;
};

/** A change of one user's presence, as `presence:update` carries it. */
export interface PresenceUpdate {
  userId: string;
  online: boolean;
  /** Present when the change is a call starting (`true`) or ending (`false`). */
  inCall?: boolean;
}

/** Messages only the server sends. */
export type ServerNotice =
  | {
    type: "error";
    payload: { code: ErrorCode; message: string; inReplyTo?: string };
  }
  | {
    type: "session:ready";
    payload: {
      userId: string;
      /** This connection's device: a reconnect presenting it resumes the device's call. */
      deviceId: string;
      iceServers: RTCIceServer[];
      iceTransportPolicy: RTCIceTransportPolicy;
      /** Whether this server tells who is online (`presence:*`). */
      presence: boolean;
    };
  }
  | { type: "session:ice-servers"; payload: { iceServers: RTCIceServer[] } }
  | { type: "pong"; payload: Record<string, never> }
  | { type: "presence:list"; payload: { users: string[]; inCall: string[] } }
  | { type: "presence:update"; payload: PresenceUpdate };

/** Anything the server sends. */
export type ServerMessage = RelayedMessage | ServerNotice;

/** The result of reading a client's frame. */
export type ParseResult =
  | { ok: true; message: ClientMessage }
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

/**
 * Whether a frame's JSON stays within `MAX_PAYLOAD_VALUES` and
 * `MAX_PAYLOAD_DEPTH`, read from its text before it is parsed: parsing a
 * frame of thousands of fields is what costs, so the fields are counted by
 * their separators (`:` and `,` outside strings) and the depth by the
 * brackets. The message's own `{"type":…,"payload":{…}}` adds one level and
 * a few separators.
 */
function withinShape(frame: string): boolean {
  const maxSeparators = 2 * MAX_PAYLOAD_VALUES + 4;
  const maxDepth = MAX_PAYLOAD_DEPTH + 1;
  let separators = 0;
  let depth = 0;
  for (let i = 0; i < frame.length; i++) {
    const char = frame.charCodeAt(i);
    if (char === 0x22) {
      i = stringEnd(frame, i);
    } else if (char === 0x7b || char === 0x5b) {
      if (++depth > maxDepth) return false;
    } else if (char === 0x7d || char === 0x5d) {
      depth--;
    } else if (char === 0x2c || char === 0x3a) {
      if (++separators > maxSeparators) return false;
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
  const { type, payload } = data as { type?: unknown; payload?: unknown };
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
  };
}
