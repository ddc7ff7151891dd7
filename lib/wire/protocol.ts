/**
 * The Nexus Call wire protocol, shared by the server and the island: message
 * types, ids, error and close codes, end reasons. Every frame is a UTF-8 JSON
 * text frame `{ "type": string, "payload": object }`. How the server checks
 * a client's frame against it is in `client_frames.ts`, which the page never
 * loads.
 * @module
 */

/** The largest frame the server reads, in bytes of UTF-8. */
export const MAX_FRAME_BYTES = 64 * 1024;

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
 * How a guest's id begins: a guest (someone who opened a call link, accounts
 * mode) is `~` and the link's id, and no account's id may begin so.
 */
export const GUEST_PREFIX = "~";

/** Whether `id` is a guest's (a call link's), never an account's. */
export function isGuestId(id: string): boolean {
  return id.startsWith(GUEST_PREFIX);
}

/** Whether `id` may be an account's id: a user id that is not a guest's. */
export function isAccountId(id: unknown): id is string {
  return isUserId(id) && !isGuestId(id);
}

/** Who a guest says they are and the link they came by, as the callee is shown it. */
export interface GuestCard {
  /** The name the guest typed. */
  name: string;
  /** The label the link's owner gave the link. */
  label: string;
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
  /** A heartbeat client went silent, or left what was sent unacknowledged: the connection counts as dead. */
  silent: 4408,
  /**
   * More was waiting for the page's acknowledgement than a delivery session
   * holds: the session is reset, and the page starts a new one.
   */
  backlog: 4429,
  /**
   * A call link does not let this guest in (now): wrong, expired, used,
   * revoked, or in use by another guest. The reason is the sentence to show.
   */
  link: 4403,
} as const;

/**
 * The six message types a client sends, each relayed to the user in `to`,
 * in protocol order: the call messages, which the delivery layer numbers
 * both ways.
 */
export const RELAYED_TYPES = [
  "call:request",
  "call:response",
  "webrtc:offer",
  "webrtc:answer",
  "webrtc:candidate",
  "call:end",
] as const;

/**
 * The server's messages that the delivery layer numbers (`delivery=1`):
 * those of a call or a ring, and the errors that answer them.
 */
const DELIVERED_FROM_SERVER: ReadonlySet<string> = new Set([
  ...RELAYED_TYPES,
  "calls:missed",
  "error",
]);

/** The client's messages that the delivery layer numbers: the six and `call:resume`. */
const DELIVERED_FROM_CLIENT: ReadonlySet<string> = new Set([
  ...RELAYED_TYPES,
  "call:resume",
]);

/** Whether the delivery layer numbers a server message of this type. */
export function isDeliveredFromServer(type: string): boolean {
  return DELIVERED_FROM_SERVER.has(type);
}

/** Whether the delivery layer numbers a client message of this type. */
export function isDeliveredFromClient(type: string): boolean {
  return DELIVERED_FROM_CLIENT.has(type);
}

/**
 * What the delivery layer adds in front of a frame's message: its number
 * (`seq`, on the messages it covers) and how many of the other side's
 * messages the sender has taken (`ack`).
 */
export interface DeliveryFields {
  seq?: number;
  ack?: number;
}

/** What `session:ready` says of the delivery session (`delivery=1`). */
export interface DeliverySessionInfo {
  /** Its id: a page that reconnects names it (`resume=`) to resume it. */
  session: string;
  /** How many of the page's numbered messages the server has taken. */
  received: number;
  /** Whether the session the page named was resumed; if not, this is a new one. */
  resumed: boolean;
}

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
  "link-revoked",
] as const;

/** One of `END_REASONS`. */
export type EndReason = typeof END_REASONS[number];

/** One of `RELAYED_TYPES`. */
export type RelayedType = typeof RELAYED_TYPES[number];

/** The WebRTC messages relayed within a call. */
export type WebRtcType = "webrtc:offer" | "webrtc:answer" | "webrtc:candidate";

/** A session description as `webrtc:offer` and `webrtc:answer` carry it. */
export interface WireSessionDescription {
  type: "offer" | "answer" | "pranswer" | "rollback";
  sdp?: string;
}

/** An ICE candidate as `webrtc:candidate` carries it. */
export interface WireIceCandidate {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/**
 * What each message type a client may send carries. `from` is optional and
 * ignored: the server stamps the sender's own id. Payloads are loose: other
 * fields travel on, within the frame size cap.
 */
export interface ClientPayloads {
  "call:request": {
    from?: string;
    to: string;
    hasVideo: boolean;
    hasAudio: boolean;
  };
  "call:response": {
    from?: string;
    to: string;
    accepted: boolean;
    reason?: EndReason;
    /** The answering device took the caller's early offer while it rang: its answer follows. */
    prepared?: boolean;
  };
  "webrtc:offer": { from?: string; to: string; offer: WireSessionDescription };
  "webrtc:answer": {
    from?: string;
    to: string;
    answer: WireSessionDescription;
    /**
     * The `o=` line's session id and version of the offer answered: an
     * offerer that has since made another offer ignores an answer to an
     * older one (the page sends it; other clients may leave it out).
     */
    answers?: string;
  };
  "webrtc:candidate": {
    from?: string;
    to: string;
    candidate: WireIceCandidate;
  };
  "call:end": { from?: string; to: string; reason?: EndReason };
  /** A heartbeat: the server answers `pong`. */
  ping: Record<string, never>;
  /** The delivery layer's acknowledgement (its count rides in `ack`); `request` asks for the server's now. */
  ack: { request?: boolean };
  /** After reconnecting (even to a restarted server): "I am still in a call with `to`". */
  "call:resume": { from?: string; to: string };
}

/** Every message type a client may send. */
export type ClientType = keyof ClientPayloads;

type ClientPayload<T extends ClientType> = ClientPayloads[T];

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

/**
 * Who is online, as `presence:list` carries it: the whole list, or, to a
 * client that joined with `parts=1`, one part `part` (from 0) of `parts`.
 */
export interface PresenceListPayload {
  users: string[];
  inCall: string[];
  part?: number;
  parts?: number;
}

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
      /** With `delivery=1`: the delivery session. */
      delivery?: DeliverySessionInfo;
    };
  }
  | { type: "ack"; payload: { request?: boolean } }
  | { type: "session:ice-servers"; payload: { iceServers: RTCIceServer[] } }
  | { type: "pong"; payload: Record<string, never> }
  | { type: "presence:list"; payload: PresenceListPayload }
  | { type: "presence:update"; payload: PresenceUpdate }
  | { type: "calls:missed"; payload: { count: number } };

/** Anything the server sends. */
export type ServerMessage = RelayedMessage | ServerNotice;
