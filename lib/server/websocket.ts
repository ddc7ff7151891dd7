/**
 * The Deno side of signaling: upgrades a `/ws` handshake that
 * `handshake.ts` admitted and wires the socket to the hub. A connection
 * counts against the caps only while its socket is open: a client that
 * leaves mid-handshake holds nothing.
 * @module
 */
import { CLOSE_CODES, type GuestCard } from "../wire/protocol.ts";
import { LINK_REFUSALS } from "../wire/link_api.ts";
import type { Session, SignalingSocket } from "../signaling/session.ts";
import type { DeliveryLink } from "../signaling/delivery_link.ts";
import type { OpenSockets } from "../accounts/open_sockets.ts";
import type { SessionRef } from "../accounts/session_cookie.ts";
import type { CallLinks } from "../links/call_links.ts";
import { admit, limitRefusal, type SignalingEndpoint } from "./handshake.ts";

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
    // A session made on another instance is fetched from it first.
    const fetching = delivery?.resume
      ? endpoint.hub.takeOverDelivery(
        userId,
        delivery.deviceId,
        delivery.resume,
      )
      : undefined;
    if (!fetching) return joinNow();
    fetching.then(() => {
      if (open) joinNow();
    });
  };
  const joinNow = () => {
    const options = {
      deviceId,
      iceServers,
      expiresAt,
      heartbeat,
      prepares: query.get("prepare") === "1",
      listsInParts: query.get("parts") === "1",
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
      get bufferedAmount() {
        return socket.bufferedAmount;
      },
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
