/**
 * The Deno side of signaling: checks a `/ws` handshake (upgrade, host,
 * origin, identity, connection caps), upgrades it and wires the socket to
 * the hub. Every refusal is an HTTP status with a sentence, before any
 * upgrade. A connection counts against the caps only while its socket is
 * open: a client that leaves mid-handshake holds nothing.
 * @module
 */
import {
  CLOSE_CODES,
  type GuestCard,
  isDeviceId,
  isUserId,
} from "../wire/protocol.ts";
import { cleanName, LINK_REFUSALS, NAME_MAX } from "../wire/link_api.ts";
import { verifyToken } from "../signaling/auth.ts";
import type { ConnectionLimits } from "../signaling/connection_limits.ts";
import type { SignalingHub } from "../signaling/hub/hub.ts";
import type { Session, SignalingSocket } from "../signaling/session.ts";
import type { DeliveryLink } from "../signaling/delivery_link.ts";
import { foreignOrigin, type OriginPolicy } from "../http/origin_policy.ts";
import type { Accounts } from "../accounts/accounts.ts";
import type { OpenSockets } from "../accounts/open_sockets.ts";
import { secretHash, type SessionRef } from "../accounts/session_cookie.ts";
import { type CallLinks, guestIdOf } from "../links/call_links.ts";

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
interface Refusal {
  status: number;
  sentence: string;
  headers?: HeadersInit;
}

/** Who a handshake may join as, or why it may not. */
type Admission =
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

function admit(req: Request, endpoint: SignalingEndpoint): Admission {
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
    userId: guestIdOf(secretHash(secret).slice(0, 16)),
    deviceId,
    guest: { secret, name: guestName },
  };
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
  const { userId, deviceId, expiresAt, session: signedIn, guest } = admission;
  // A guest's sockets are closed as a sign-out's are, by the link's guest id.
  const guestRef: SessionRef | undefined = guest &&
    { userId, sessionId: "guest" };
  let guestCard: GuestCard | undefined;
  // A heartbeat client is watched by the hub; others are pinged by the socket.
  const query = new URL(req.url).searchParams;
  const heartbeat = query.get("heartbeat") === "1";
  // The delivery layer needs a device to keep a session for.
  const delivery = query.get("delivery") === "1" && deviceId !== undefined
    ? {
      deviceId,
      resume: query.get("resume"),
      received: Math.max(0, Math.floor(Number(query.get("received")) || 0)),
    }
    : null;
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
  let open = true;
  let link: DeliveryLink | undefined;
  // The socket as the delivery layer sees it: closing it gives it up at once,
  // without waiting for a dead peer's close handshake.
  const raw: SignalingSocket = {
    send: (text) => socket.send(text),
    close: (code, reason) => {
      socket.close(code, reason);
      closed();
    },
  };
  const join = () => {
    const options = {
      deviceId,
      iceServers,
      expiresAt,
      heartbeat,
      prepares: query.get("prepare") === "1",
      guest: guestCard,
    };
    if (!delivery) {
      session = endpoint.hub.connect(userId, socket, options);
      return;
    }
    const opened = endpoint.hub.deliveryLinks.open(
      userId,
      delivery.deviceId,
      delivery.resume,
      delivery.received,
      raw,
    );
    const through = opened.link;
    link = through;
    session = endpoint.hub.connect(userId, {
      send: (text) => through.send(text),
      close: (code, reason) => raw.close(code, reason),
    }, { ...options, delivery: opened });
    // After session:ready: what the page missed, in order.
    through.replay();
  };
  socket.onopen = () => {
    // Others may have opened since the handshake was checked.
    if (endpoint.limits.acquire(ip) !== "ok") {
      endpoint.refused?.(1013, "connection caps reached on opening", ip);
      socket.close(CLOSE_CODES.tryAgainLater, "too many connections");
      return;
    }
    counted = true;
    if (guest && endpoint.accounts && endpoint.links) {
      return admitGuest(guest, endpoint.links, endpoint.accounts.sockets);
    }
    if (!signedIn || !endpoint.accounts) return join();
    // The cookie's MAC held; whether its session is still live, the store says.
    const { accounts, sockets } = endpoint.accounts;
    accounts.sessions.confirm(signedIn).then((live) => {
      if (!open) return;
      if (!live) {
        endpoint.refused?.(1008, "session signed out", ip);
        socket.close(CLOSE_CODES.policy, "signed out");
        return;
      }
      sockets.add(signedIn, socket);
      join();
    }, () => {
      if (open) socket.close(CLOSE_CODES.tryAgainLater, "accounts unavailable");
    });
  };
  /**
   * Joins a guest once its link lets this device in and no other device is
   * calling through it; else closes with the reason in words.
   */
  const admitGuest = (
    { secret, name }: { secret: string; name: string },
    links: CallLinks,
    sockets: OpenSockets,
  ) => {
    const refuse = (sentence: string) => {
      endpoint.refused?.(CLOSE_CODES.link, sentence, ip);
      socket.close(CLOSE_CODES.link, sentence);
    };
    Promise.all([
      links.admit(secret, deviceId!),
      endpoint.hub.engine.devicesOf(userId),
    ]).then(([looked, devices]) => {
      if (!open) return;
      if ("refused" in looked) return refuse(LINK_REFUSALS[looked.refused]);
      if ([...devices.keys()].some((device) => device !== deviceId)) {
        return refuse(LINK_REFUSALS.busy);
      }
      guestCard = { name, label: looked.link.label };
      sockets.add(guestRef!, socket);
      join();
    }, () => {
      if (open) socket.close(CLOSE_CODES.tryAgainLater, "accounts unavailable");
    });
  };
  socket.onmessage = (event) => {
    // A client speaks after session:ready; anything before the join is dropped.
    if (session) endpoint.hub.receive(session, event.data);
  };
  const closed = () => {
    open = false;
    if (counted) endpoint.limits.release(ip);
    counted = false;
    const ref = signedIn ?? guestRef;
    if (ref) endpoint.accounts?.sockets.remove(ref, socket);
    if (link && delivery) {
      endpoint.hub.deliveryLinks.closed(userId, delivery.deviceId, link, raw);
    }
    link = undefined;
    if (session) endpoint.hub.disconnect(session);
    session = undefined;
  };
  socket.onclose = closed;
  return response;
}
