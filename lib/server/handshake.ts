/**
 * A `/ws` handshake checked before any upgrade: the upgrade itself, host,
 * origin, identity (a claimed id, a token, a session cookie or a call
 * link), and the engine's state and connection caps. Every refusal is an
 * HTTP status with a sentence.
 * @module
 */
import { isDeviceId, isUserId } from "../wire/protocol.ts";
import { cleanName, NAME_MAX } from "../wire/link_api.ts";
import { verifyToken } from "../signaling/auth.ts";
import type { ConnectionLimits } from "../signaling/connection_limits.ts";
import type { SignalingHub } from "../signaling/hub/hub.ts";
import { foreignOrigin, type OriginPolicy } from "../http/origin_policy.ts";
import type { Accounts } from "../accounts/accounts.ts";
import type { OpenSockets } from "../accounts/open_sockets.ts";
import type { SessionRef } from "../accounts/session_cookie.ts";
import {
  type CallLinks,
  guestIdOf,
  linkIdOfSecret,
} from "../links/call_links.ts";

/** Everything a `/ws` handshake is checked against. */
export interface SignalingEndpoint extends OriginPolicy {
  hub: SignalingHub;
  /**
   * Accounts mode: the user comes from the session cookie, whose MAC is
   * checked before the upgrade and whose session the store confirms before
   * the socket joins; each session's sockets are kept to be closed when it
   * ends.
   */
  accounts?: { accounts: Accounts; sockets: OpenSockets } | null;
  /**
   * Accounts mode's call links: a handshake with `?link=` joins as the
   * link's guest (never as anyone signed in), once the link lets it in.
   */
  links?: CallLinks | null;
  /** When set, the user id comes from an HS256 JWT in `?token=`, never from the client. */
  jwtSecret: string | null;
  limits: ConnectionLimits;
  /** Seconds without a pong after which Deno closes a socket as dead. */
  idleTimeoutS: number;
  /** The ICE servers a user is handed on joining; made at once (see `upgradeSignaling`). */
  iceServersFor(userId: string): RTCIceServer[];
  /** Told of every refused handshake. */
  refused?(status: number, reason: string, ip: string): void;
}

/** A handshake refused: the status and the sentence that says why. */
export interface Refusal {
  status: number;
  sentence: string;
  headers?: HeadersInit;
}

/** Who a handshake may join as, or why it may not. */
export type Admission =
  | {
    userId: string;
    deviceId?: string;
    expiresAt?: number;
    /** Accounts mode: the session the cookie names, to be confirmed once open. */
    session?: SessionRef;
    /** A call link's guest: the link to be checked once open, and who they say they are. */
    guest?: { secret: string; name: string };
  }
  | Refusal;

/** Who a handshake may join as by what it carries, or why it may not. */
export function admit(req: Request, endpoint: SignalingEndpoint): Admission {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return {
      status: 426,
      sentence:
        "This is the Nexus Call signaling endpoint: open it with a WebSocket client, e.g. ws://HOST/ws?userId=alice.",
      headers: { upgrade: "websocket" },
    };
  }
  const foreign = foreignOrigin(req, endpoint);
  if (foreign) {
    return {
      status: 403,
      sentence: foreign.hostName
        ? `Pages from ${foreign.hostName} may not open the signaling socket: a host name is accepted only when it is configured (NEXUS_ALLOWED_ORIGINS=${foreign.origin}) or the server serves TLS itself.`
        : "Pages from this origin may not open the signaling socket.",
    };
  }
  const params = new URL(req.url).searchParams;
  const deviceId = params.get("deviceId") ?? undefined;
  if (deviceId !== undefined && !isDeviceId(deviceId)) {
    return {
      status: 400,
      sentence: "The deviceId query parameter must be 1–64 of A–Z a–z 0–9 _ -.",
    };
  }
  const claimed = params.get("userId");
  const secret = params.get("link");
  if (secret !== null && endpoint.accounts && endpoint.links) {
    return guestAdmission(secret, params.get("name"), deviceId);
  }
  if (endpoint.accounts) {
    return cookieAdmission(req, endpoint.accounts.accounts, deviceId);
  }
  if (endpoint.jwtSecret === null) {
    if (!isUserId(claimed)) {
      return {
        status: 400,
        sentence:
          "The userId query parameter must be 1–64 of A–Z a–z 0–9 . _ ~ -.",
      };
    }
    return { userId: claimed, deviceId };
  }
  const check = verifyToken(params.get("token"), endpoint.jwtSecret);
  if (!check.ok) {
    return {
      status: 401,
      sentence: check.reason,
      headers: { "www-authenticate": "Bearer" },
    };
  }
  if (claimed !== null && claimed !== check.userId) {
    return {
      status: 401,
      sentence: `The token is for ${check.userId}, not ${
        claimed.slice(0, 64)
      }.`,
    };
  }
  return { userId: check.userId, deviceId, expiresAt: check.expiresAt };
}

/** Accounts mode: who the session cookie names, checked by its MAC alone. */
function cookieAdmission(
  req: Request,
  accounts: Accounts,
  deviceId: string | undefined,
): Admission {
  if (!accounts.started) {
    return {
      status: 503,
      sentence: "The server is starting; try again shortly.",
      headers: { "retry-after": "2" },
    };
  }
  const session = accounts.sessions.sessionOf(req.headers.get("cookie"));
  if (!session) {
    return {
      status: 401,
      sentence: "Sign in first: this server has accounts (open /signin).",
    };
  }
  return { userId: session.userId, deviceId, session };
}

/**
 * A call link's guest: who the link makes them (`~` and the link's id, from
 * its secret's hash), with their device and name; the link itself is
 * checked once the socket is open.
 */
function guestAdmission(
  secret: string,
  name: string | null,
  deviceId: string | undefined,
): Admission {
  const guestName = cleanName(name);
  if (guestName === null || deviceId === undefined) {
    return {
      status: 400,
      sentence:
        `A guest joins with a deviceId and their name (name=, 1–${NAME_MAX} characters).`,
    };
  }
  return {
    userId: guestIdOf(linkIdOfSecret(secret)),
    deviceId,
    guest: { secret, name: guestName },
  };
}

/** An admitted handshake's refusal by the engine's state or a limit, if any. */
export function limitRefusal(
  userId: string,
  ip: string,
  endpoint: SignalingEndpoint,
): Refusal | null {
  const unavailable = endpoint.hub.engine.unavailable();
  if (unavailable) {
    return {
      status: 503,
      sentence:
        `Signaling is unavailable for now (${unavailable}); try again shortly.`,
      headers: { "retry-after": "5" },
    };
  }
  const capped = endpoint.limits.check(ip);
  if (capped === "total") {
    return {
      status: 503,
      sentence:
        "The server has as many connections as it takes; try again later.",
      headers: { "retry-after": "30" },
    };
  }
  if (capped === "per-ip") {
    return {
      status: 429,
      sentence: "Too many connections from your address.",
      headers: { "retry-after": "30" },
    };
  }
  if (!endpoint.limits.joinAllowed(userId)) {
    return {
      status: 429,
      sentence:
        `${userId} has connected too often just now; try again shortly.`,
      headers: { "retry-after": "5" },
    };
  }
  return null;
}
