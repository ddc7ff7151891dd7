/**
 * The Deno side of signaling: checks a `/ws` handshake (upgrade, host,
 * origin, identity, connection caps), upgrades it and wires the socket to
 * the hub. Every refusal is an HTTP status with a sentence, before any
 * upgrade. A connection counts against the caps only while its socket is
 * open: a client that leaves mid-handshake holds nothing.
 * @module
 */
import { CLOSE_CODES, isDeviceId, isUserId } from "../protocol.ts";
import { verifyToken } from "./auth.ts";
import type { ConnectionLimits } from "./connection_limits.ts";
import type { SignalingHub } from "./hub/hub.ts";
import type { Session } from "./session.ts";

/** Everything a `/ws` handshake is checked against. */
export interface SignalingEndpoint {
  hub: SignalingHub;
  /** When set, the user id comes from an HS256 JWT in `?token=`, never from the client. */
  jwtSecret: string | null;
  /** Origins allowed to open a socket; empty means the server's own host. */
  allowedOrigins: string[];
  /**
   * Whether a page's host name (not only an address or a loopback name) is
   * taken as this server's own when no origins are configured: true where a
   * name rebound to this server by DNS cannot reach it (TLS served here, whose
   * certificate the name would fail; Deno Deploy, which routes by name).
   */
  trustHostNames: boolean;
  limits: ConnectionLimits;
  /** Seconds without a pong after which Deno closes a socket as dead. */
  idleTimeoutS: number;
  /** The ICE servers a user is handed on joining; made at once (see `upgradeSignaling`). */
  iceServersFor(userId: string): RTCIceServer[];
  /** Told of every refused handshake. */
  refused?(status: number, reason: string, ip: string): void;
}

/** A handshake refused: the status and the sentence that says why. */
interface Refusal {
  status: number;
  sentence: string;
  headers?: HeadersInit;
}

/** Who a handshake may join as, or why it may not. */
type Admission =
  | { userId: string; deviceId?: string; expiresAt?: number }
  | Refusal;

/** The refusal of a page from an origin that may not open the socket. */
const FOREIGN_PAGE: Refusal = {
  status: 403,
  sentence: "Pages from this origin may not open the signaling socket.",
};

/** Whether `hostname` (as in a URL) names this machine by loopback or is an address. */
function isAddressOrLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") ||
    hostname.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Whether a browser page at `origin` may open a socket. Requests without an
 * Origin header come from programs, not pages, and cannot be cross-site
 * hijacked. With no origins configured, a page must be on the server's own
 * host (any scheme, so a TLS-terminating proxy in front changes nothing);
 * and since a page that rebinds its own name to this server by DNS controls
 * the Host header too, that host must be an address or a loopback name,
 * which DNS cannot rebind, unless names are trusted.
 */
function originRefusal(
  req: Request,
  endpoint: SignalingEndpoint,
): Refusal | null {
  const origin = req.headers.get("origin");
  if (origin === null) return null;
  const allowed = endpoint.allowedOrigins;
  if (allowed.length > 0) {
    return allowed.includes(origin) ? null : FOREIGN_PAGE;
  }
  let page: URL;
  try {
    page = new URL(origin);
  } catch {
    return FOREIGN_PAGE;
  }
  if (page.host !== (req.headers.get("host") ?? new URL(req.url).host)) {
    return FOREIGN_PAGE;
  }
  if (endpoint.trustHostNames || isAddressOrLoopback(page.hostname)) {
    return null;
  }
  return {
    status: 403,
    sentence:
      `Pages from ${page.host} may not open the signaling socket: a host name is accepted only when it is configured (NEXUS_ALLOWED_ORIGINS=${page.protocol}//${page.host}) or the server serves TLS itself.`,
  };
}

function admit(req: Request, endpoint: SignalingEndpoint): Admission {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return {
      status: 426,
      sentence:
        "This is the Nexus Call signaling endpoint: open it with a WebSocket client, e.g. ws://HOST/ws?userId=alice.",
      headers: { upgrade: "websocket" },
    };
  }
  const refusal = originRefusal(req, endpoint);
  if (refusal) return refusal;
  const params = new URL(req.url).searchParams;
  const deviceId = params.get("deviceId") ?? undefined;
  if (deviceId !== undefined && !isDeviceId(deviceId)) {
    return {
      status: 400,
      sentence: "The deviceId query parameter must be 1–64 of A–Z a–z 0–9 _ -.",
    };
  }
  const claimed = params.get("userId");
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

/** An admitted handshake's refusal by the engine's state or a limit, if any. */
function limitRefusal(
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

/**
 * Answers a request for `/ws` from `ip`: upgrades it to a WebSocket joined to
 * the hub, or explains in a sentence why not.
 *
 * Nothing here yields to the event loop before the upgrade: Deno (2.9)
 * keeps the connection of an upgrade whose client left while its handler
 * waited, open file descriptor included, for as long as the process lives,
 * and tells nobody (no open, no close, no abort). Many such handshakes used
 * to exhaust the process's descriptors.
 *
 * A connection counts against the caps from the moment its socket opens
 * until it closes, since Deno reports neither for an upgrade whose client
 * left before it completed; the caps are checked at the handshake too, so
 * that a client over them hears why in plain HTTP.
 */
export function upgradeSignaling(
  req: Request,
  ip: string,
  endpoint: SignalingEndpoint,
): Response {
  let admission = admit(req, endpoint);
  let iceServers: RTCIceServer[] = [];
  if ("userId" in admission) {
    iceServers = endpoint.iceServersFor(admission.userId);
    admission = limitRefusal(admission.userId, ip, endpoint) ?? admission;
  }
  if (!("userId" in admission)) {
    endpoint.refused?.(admission.status, admission.sentence, ip);
    return new Response(admission.sentence + "\n", {
      status: admission.status,
      headers: {
        "content-type": "text/plain; charset=utf-8",
        ...admission.headers,
      },
    });
  }
  const { userId, deviceId, expiresAt } = admission;
  // A heartbeat client is watched by the hub; others are pinged by the socket.
  const query = new URL(req.url).searchParams;
  const heartbeat = query.get("heartbeat") === "1";
  let upgrade: { socket: WebSocket; response: Response };
  try {
    upgrade = Deno.upgradeWebSocket(req, {
      idleTimeout: heartbeat ? 0 : endpoint.idleTimeoutS,
    });
  } catch (error) {
    // A handshake without the headers RFC 6455 requires (Sec-WebSocket-Key…).
    const sentence = `Not a WebSocket handshake: ${(error as Error).message}.`;
    endpoint.refused?.(400, sentence, ip);
    return new Response(sentence + "\n", { status: 400 });
  }
  const { socket, response } = upgrade;
  let counted = false;
  let session: Session | undefined;
  socket.onopen = () => {
    // Others may have opened since the handshake was checked.
    if (endpoint.limits.acquire(ip) !== "ok") {
      endpoint.refused?.(1013, "connection caps reached on opening", ip);
      socket.close(CLOSE_CODES.tryAgainLater, "too many connections");
      return;
    }
    counted = true;
    session = endpoint.hub.connect(userId, socket, {
      deviceId,
      iceServers,
      expiresAt,
      heartbeat,
      prepares: query.get("prepare") === "1",
    });
  };
  socket.onmessage = (event) => {
    if (session) endpoint.hub.receive(session, event.data);
  };
  socket.onclose = () => {
    if (counted) endpoint.limits.release(ip);
    counted = false;
    if (session) endpoint.hub.disconnect(session);
    session = undefined;
  };
  return response;
}
