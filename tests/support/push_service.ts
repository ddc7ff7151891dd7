/**
 * A push service for the tests, speaking the real protocols on both sides:
 * application servers post to its HTTPS endpoints (RFC 8030, with VAPID
 * per RFC 8292: the token's signature, `aud`, `exp` and `sub` are checked,
 * and a push without them refused with 401), and Firefox connects to it as
 * to Mozilla's autopush (WebSocket: hello, register, unregister,
 * notification, ack, ping), set as `dom.push.serverURL`. Pushes with the
 * same `Topic` replace one another while undelivered. A browser's endpoint
 * can be made to answer 410 Gone. For subscriptions a test makes itself
 * (`subscriptionKeys`), a push's body is decrypted with npm `http_ece`.
 * Test-only.
 * @module
 */
import { Buffer } from "node:buffer";
import { createECDH, type ECDH, randomBytes } from "node:crypto";
import * as jose from "jose";
import { type LoopbackTls, loopbackTls } from "./loopback_tls.ts";

/** A push as the service took it from an application server. */
export interface ReceivedPush {
  channel: string;
  ttl: number | null;
  urgency: string | null;
  topic: string | null;
  encoding: string | null;
  body: Uint8Array;
  /** The VAPID token's claims. */
  claims: jose.JWTPayload;
  /** The VAPID public key (`k=`) it was signed with. */
  key: string;
  at: number;
}

/** Keys for a subscription the test makes itself, so it can read its pushes. */
export interface SubscriptionKeys {
  /** As `PushSubscription.toJSON().keys` gives them. */
  keys: { p256dh: string; auth: string };
  ecdh: ECDH;
}

/** Makes the browser side's keys of a subscription (RFC 8291). */
export function subscriptionKeys(): SubscriptionKeys {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    ecdh,
    keys: {
      p256dh: ecdh.getPublicKey().toString("base64url"),
      auth: randomBytes(16).toString("base64url"),
    },
  };
}

/** Decrypts an aes128gcm push for a subscription made with `subscriptionKeys`. */
export async function decryptPush(
  push: ReceivedPush,
  subscription: SubscriptionKeys,
): Promise<unknown> {
  const ece = (await import("http_ece")).default;
  const plain = ece.decrypt(Buffer.from(push.body), {
    version: "aes128gcm",
    privateKey: subscription.ecdh,
    authSecret: subscription.keys.auth,
  });
  return JSON.parse(plain.toString("utf8"));
}

/** A connected Firefox: its uaid and socket. */
interface PushClient {
  uaid: string;
  socket: WebSocket;
}

/** The running service. */
export interface PushService {
  /** `https://127.0.0.1:PORT`: endpoints are `<origin>/push/<channel>`. */
  origin: string;
  /** `host:port` of the endpoints, for `NEXUS_PUSH_ALLOWED_HOSTS`. */
  host: string;
  /** `ws://127.0.0.1:PORT/`: Firefox's `dom.push.serverURL`. */
  websocketUrl: string;
  /** The certificate the endpoints are served with (trust it: `DENO_CERT`). */
  tls: LoopbackTls;
  /** Every push taken, in order. */
  received: ReceivedPush[];
  /** A new endpoint, for a subscription the test makes itself. */
  endpoint(): string;
  /** Makes the endpoint answer 410 Gone from now on. */
  gone(endpoint: string): void;
  /** Resolves with the `count`th push taken (1-based), waiting up to `ms`. */
  nth(count: number, ms?: number): Promise<ReceivedPush>;
  /** Firefox's acks, by code (100 delivered, 101 not decrypted, 102 not delivered). */
  acks: { channel: string; code: number }[];
  /** Resolves with the code of Firefox's `count`th ack (1-based), waiting up to 15 s. */
  acked(count: number): Promise<number>;
  close(): Promise<void>;
}

/** Verifies a `vapid t=…, k=…` header; the claims and key, or why not. */
async function vapidOf(
  header: string | null,
  audience: string,
): Promise<{ claims: jose.JWTPayload; key: string } | string> {
  const match = header?.match(/^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/);
  if (!match) return "no VAPID authorization";
  const [, token, key] = match;
  const raw = Buffer.from(key, "base64url");
  if (raw.length !== 65 || raw[0] !== 4) return "k is not a P-256 point";
  const jwk = {
    kty: "EC",
    crv: "P-256",
    x: raw.subarray(1, 33).toString("base64url"),
    y: raw.subarray(33).toString("base64url"),
  };
  try {
    const { payload, protectedHeader } = await jose.jwtVerify(
      token,
      await jose.importJWK(jwk, "ES256"),
      { audience, algorithms: ["ES256"] },
    );
    if (protectedHeader.typ !== "JWT") return "typ is not JWT";
    const now = Date.now() / 1000;
    if (typeof payload.exp !== "number" || payload.exp > now + 24 * 3600) {
      return "exp missing or more than 24 h away";
    }
    if (
      typeof payload.sub !== "string" ||
      !/^(mailto:|https:)/.test(payload.sub)
    ) return "sub is not a mailto: or https: contact";
    return { claims: payload, key };
  } catch (error) {
    return `bad token: ${(error as Error).message}`;
  }
}

/** Starts the service on two loopback ports (HTTPS endpoints, WebSocket for Firefox). */
export async function startPushService(): Promise<PushService> {
  const tls = await loopbackTls();
  const received: ReceivedPush[] = [];
  const acks: { channel: string; code: number }[] = [];
  const goneChannels = new Set<string>();
  /** Which browser each channel belongs to, and pushes waiting for it, by topic. */
  const channels = new Map<string, string>();
  const clients = new Map<string, PushClient>();
  const waiting = new Map<string, Map<string, ReceivedPush>>();
  const arrived = new Set<() => void>();
  let sequence = 0;

  const deliver = (push: ReceivedPush) => {
    const uaid = channels.get(push.channel);
    const client = uaid ? clients.get(uaid) : undefined;
    if (client?.socket.readyState !== WebSocket.OPEN) {
      // Held for the browser's return; a push with the same topic replaces it.
      const held = waiting.get(push.channel) ?? new Map();
      held.set(push.topic ?? `#${++sequence}`, push);
      waiting.set(push.channel, held);
      return;
    }
    client.socket.send(JSON.stringify({
      messageType: "notification",
      channelID: push.channel,
      version: `v${++sequence}`,
      ...(push.body.length > 0 && {
        data: Buffer.from(push.body).toString("base64url"),
        headers: { encoding: push.encoding },
      }),
    }));
  };

  const endpoints = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: tls.cert,
    key: tls.key,
    onListen() {},
  }, async (req) => {
    const url = new URL(req.url);
    const channel = url.pathname.match(/^\/push\/([\w-]+)$/)?.[1];
    if (req.method !== "POST" || !channel) {
      return new Response("not found", { status: 404 });
    }
    if (goneChannels.has(channel)) return new Response("gone", { status: 410 });
    const vapid = await vapidOf(req.headers.get("authorization"), url.origin);
    if (typeof vapid === "string") {
      return new Response(vapid, { status: 401 });
    }
    const ttl = req.headers.get("ttl");
    const push: ReceivedPush = {
      channel,
      ttl: ttl === null ? null : Number(ttl),
      urgency: req.headers.get("urgency"),
      topic: req.headers.get("topic"),
      encoding: req.headers.get("content-encoding"),
      body: new Uint8Array(await req.arrayBuffer()),
      ...vapid,
      at: Date.now(),
    };
    received.push(push);
    for (const wake of arrived) wake();
    deliver(push);
    return new Response(null, { status: 201 });
  });
  const origin = `https://127.0.0.1:${endpoints.addr.port}`;

  const sockets = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    let client: PushClient | null = null;
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      switch (message.messageType) {
        case "hello": {
          // A uaid the browser brings is kept: Firefox drops every
          // subscription when the server does not know its uaid.
          const uaid = message.uaid || crypto.randomUUID().replaceAll("-", "");
          client = { uaid, socket };
          clients.set(uaid, client);
          socket.send(JSON.stringify({
            messageType: "hello",
            uaid,
            status: 200,
            use_webpush: true,
          }));
          for (const [channel, owner] of channels) {
            if (owner !== uaid) continue;
            const held = waiting.get(channel);
            waiting.delete(channel);
            for (const push of held?.values() ?? []) deliver(push);
          }
          break;
        }
        case "register":
          channels.set(message.channelID, client!.uaid);
          socket.send(JSON.stringify({
            messageType: "register",
            channelID: message.channelID,
            status: 200,
            pushEndpoint: `${origin}/push/${message.channelID}`,
            uaid: client!.uaid,
          }));
          break;
        case "unregister":
          channels.delete(message.channelID);
          socket.send(JSON.stringify({
            messageType: "unregister",
            channelID: message.channelID,
            status: 200,
          }));
          break;
        case "ack":
          for (const update of message.updates ?? []) {
            acks.push({ channel: update.channelID, code: update.code ?? 100 });
          }
          break;
        default:
          // `{}` is a ping: answered in kind.
          socket.send("{}");
      }
    };
    return response;
  });

  return {
    origin,
    host: `127.0.0.1:${endpoints.addr.port}`,
    websocketUrl: `ws://127.0.0.1:${sockets.addr.port}/`,
    tls,
    received,
    acks,
    endpoint: () => `${origin}/push/${crypto.randomUUID()}`,
    gone: (endpoint) => void goneChannels.add(endpoint.split("/").pop()!),
    nth: (count, ms = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          arrived.delete(check);
          clearTimeout(timer);
          resolve(received[count - 1]);
        };
        const timer = setTimeout(() => {
          arrived.delete(check);
          reject(
            new Error(
              `push ${count} did not come in ${ms} ms (${received.length} came)`,
            ),
          );
        }, ms);
        arrived.add(check);
        check();
      }),
    async acked(count) {
      const deadline = Date.now() + 15_000;
      while (acks.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`Firefox acked ${acks.length} of ${count} pushes`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return acks[count - 1].code;
    },
    async close() {
      for (const { socket } of clients.values()) socket.close();
      await Promise.all([endpoints.shutdown(), sockets.shutdown()]);
      await Deno.remove(tls.dir, { recursive: true }).catch(() => {});
    },
  };
}
