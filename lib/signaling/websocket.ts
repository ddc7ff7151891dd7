/**
 * The Deno side of signaling: checks a `/ws` handshake (upgrade, origin,
 * identity, connection caps), upgrades it and wires the socket to the hub.
 * Every refusal is an HTTP status with a sentence, before any upgrade.
 * @module
 */
import { isDeviceId, isUserId } from "../protocol.ts";
import { verifyToken } from "./auth.ts";
import type { ConnectionLimits } from "./connection_limits.ts";
import type { SignalingHub } from "./hub.ts";
import type { Session } from "./session.ts";

/** Everything a `/ws` handshake is checked against. */
export interface SignalingEndpoint {
  hub: SignalingHub;
  /** When set, the user id comes from an HS256 JWT in `?token=`, never from the client. */
  jwtSecret: string | null;
  /** Origins allowed to open a socket; empty means the server's own host. */
  allowedOrigins: string[];
  limits: ConnectionLimits;
  /** Seconds without a pong after which Deno closes a socket as dead. */
  idleTimeoutS: number;
  /** The ICE servers a user is handed on joining. */
  iceServersFor(userId: string): Promise<RTCIceServer[]>;
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

/**
 * Whether a browser page at `origin` may open a socket. Requests without an
 * Origin header come from programs, not pages, and cannot be cross-site
 * hijacked; by default a page must be on the server's own host (any scheme,
 * so a TLS-terminating proxy in front changes nothing).
 */
function originAllowed(req: Request, allowed: string[]): boolean {
  const origin = req.headers.get("origin");
  if (origin === null) return true;
  if (allowed.length > 0) return allowed.includes(origin);
  try {
    return new URL(origin).host ===
      (req.headers.get("host") ?? new URL(req.url).host);
  } catch {
    return false;
  }
}

async function admit(
  req: Request,
  endpoint: SignalingEndpoint,
): Promise<Admission> {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return {
      status: 426,
      sentence:
        "This is the Nexus Call signaling endpoint: open it with a WebSocket client, e.g. ws://HOST/ws?userId=alice.",
      headers: { upgrade: "websocket" },
    };
  }
  if (!originAllowed(req, endpoint.allowedOrigins)) {
    return {
      status: 403,
      sentence: "Pages from this origin may not open the signaling socket.",
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
  const check = await verifyToken(params.get("token"), endpoint.jwtSecret);
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

/**
 * Answers a request for `/ws` from `ip`: upgrades it to a WebSocket joined to
 * the hub, or explains in a sentence why not.
 */
export async function upgradeSignaling(
  req: Request,
  ip: string,
  endpoint: SignalingEndpoint,
): Promise<Response> {
  let admission = await admit(req, endpoint);
  const unavailable = endpoint.hub.engine.unavailable();
  if ("userId" in admission && unavailable) {
    admission = {
      status: 503,
      sentence:
        `Signaling is unavailable for now (${unavailable}); try again shortly.`,
      headers: { "retry-after": "5" },
    };
  }
  if ("userId" in admission) {
    const capped = endpoint.limits.acquire(ip);
    if (capped === "total") {
      admission = {
        status: 503,
        sentence:
          "The server has as many connections as it takes; try again later.",
        headers: { "retry-after": "30" },
      };
    } else if (capped === "per-ip") {
      admission = {
        status: 429,
        sentence: "Too many connections from your address.",
        headers: { "retry-after": "30" },
      };
    }
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
  let released = false;
  const release = () => {
    if (!released) endpoint.limits.release(ip);
    released = true;
  };
  try {
    const iceServers = await endpoint.iceServersFor(userId); // A heartbeat client is watched by the hub; others are pinged by the socket.
    const heartbeat = new URL(req.url).searchParams.get("heartbeat") === "1";
    const { socket, response } = Deno.upgradeWebSocket(req, {
      idleTimeout: heartbeat ? 0 : endpoint.idleTimeoutS,
    });
    let session: Session | undefined;
    socket.onopen = () => {
      session = endpoint.hub.connect(userId, socket, {
        deviceId,
        iceServers,
        expiresAt,
        heartbeat,
      });
    };
    socket.onmessage = (event) => {
      if (session) endpoint.hub.receive(session, event.data);
    };
    socket.onclose = () => {
      release();
      if (session) endpoint.hub.disconnect(session);
      session = undefined;
    };
    return response;
  } catch (error) {
    release();
    throw error;
  }
}
