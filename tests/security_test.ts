/**
 * Security over real sockets: verified identities, origins, per-message
 * authorization, bad input, limits and TLS. See SECURITY.md.
 */
import { loopbackTls } from "./support/loopback_tls.ts";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { SignJWT } from "jose";
import { mintToken } from "../lib/signaling/auth.ts";
import { CLOSE_CODES } from "../lib/wire/protocol.ts";
import { DEFAULT_LIMITS } from "../lib/signaling/rate_limit.ts";
import { needsPermissions } from "./support/environment.ts";
import {
  type RunningServer,
  serverTest,
  type SignalingOptions,
  startApp,
  startSignaling,
} from "./support/servers.ts";
import { openRaw } from "./support/raw_websocket.ts";
import { runAppUntilExit } from "./support/app_process.ts";
import { BAD_FRAMES, frame } from "./support/bad_frames.ts";
import { settle, TestClient } from "./support/ws_client.ts";
import {
  ANSWER as answer,
  CANDIDATE as candidate,
  OFFER as offer,
} from "./support/messages.ts";

const SECRET = "test-secret-of-at-least-32-bytes-0123456789";
const encoder = new TextEncoder();

/** A test against its own signaling server, made with `options`. */
const secured = (
  name: string,
  options: SignalingOptions,
  fn: (server: RunningServer) => Promise<void>,
) => serverTest(name, fn, () => startSignaling(options));

/** The HTTP answer to a WebSocket handshake, for handshakes the server refuses. */
async function handshake(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url.replace(/^ws/, "http"), {
    headers: { upgrade: "websocket", connection: "upgrade", ...headers },
  });
  return { status: response.status, text: await response.text() };
}

function base64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-")
    .replace(/\//g, "_");
}

const now = () => Math.floor(Date.now() / 1000);

/** A JWT of `header` and `payload`, HMAC-signed with the test's secret as the server checks it. */
function hs256(header: unknown, payload: unknown): string {
  const signed = `${base64url(header)}.${base64url(payload)}`;
  const signature = createHmac("sha256", SECRET).update(signed).digest(
    "base64url",
  );
  return `${signed}.${signature}`;
}

secured("token mode: each bad token is refused with 401 and a sentence", {
  jwtSecret: SECRET,
}, async (server) => {
  const key = encoder.encode(SECRET);
  const cases: [string, string | null, RegExp, string?][] = [
    ["no token", null, /needs a sign-in token/],
    ["garbage", "not.a.jwt", /not a valid JWT/],
    [
      "bad signature",
      await mintToken("another-secret-that-is-32-bytes-long!!", "alice", 60),
      /signature does not match/,
    ],
    [
      "expired",
      await new SignJWT().setProtectedHeader({ alg: "HS256" }).setSubject(
        "alice",
      ).setExpirationTime(now() - 120)
        .sign(key),
      /expired/,
    ],
    [
      "alg none",
      `${base64url({ alg: "none", typ: "JWT" })}.${
        base64url({ sub: "alice", exp: now() + 60 })
      }.`,
      /HS256|not a valid JWT/,
    ],
    [
      "wrong algorithm",
      await new SignJWT().setProtectedHeader({ alg: "HS512" }).setSubject(
        "alice",
      ).setExpirationTime("1m").sign(key),
      /must be signed with HS256/,
    ],
    [
      "no exp",
      await new SignJWT().setProtectedHeader({ alg: "HS256" }).setSubject(
        "alice",
      ).sign(key),
      /exp claim/,
    ],
    [
      "sub not a user id",
      await new SignJWT().setProtectedHeader({ alg: "HS256" }).setSubject("a b")
        .setExpirationTime("1m").sign(key),
      /sub must be a user id/,
    ],
    [
      "token for a different id",
      await mintToken(SECRET, "alice", 60),
      /token is for alice, not bob/,
      "bob",
    ],
    // RFC 7515 §4.1.11: a `crit` this server does not understand is refused.
    [
      "crit naming a claim",
      hs256({ alg: "HS256", crit: ["exp"], exp: now() + 60 }, {
        sub: "alice",
        exp: now() + 60,
      }),
      /extension \(crit or b64\)/,
    ],
    [
      "b64 false, marked critical",
      hs256({ alg: "HS256", b64: false, crit: ["b64"] }, {
        sub: "alice",
        exp: now() + 60,
      }),
      /extension \(crit or b64\)/,
    ],
  ];
  for (const [name, token, sentence, claimed] of cases) {
    const query = new URLSearchParams();
    if (token !== null) query.set("token", token);
    if (claimed) query.set("userId", claimed);
    const { status, text } = await handshake(`${server.ws}?${query}`);
    assert.equal(status, 401, name);
    assert.match(text, sentence, name);
  }
  assert.equal(
    (await handshake(`${server.ws}?userId=alice`)).status,
    401,
    "open-mode joining is off",
  );
});

secured(
  "token mode: the id comes from the token, and from is stamped with it",
  { jwtSecret: SECRET },
  async (server) => {
    const alice = await TestClient.join(
      server.ws,
      "alice",
      `token=${await mintToken(SECRET, "alice", 60)}`,
    );
    const bob = await TestClient.join(
      server.ws,
      "bob",
      `token=${await mintToken(SECRET, "bob", 60)}`,
    );
    alice.send("call:request", {
      from: "bob",
      to: "bob",
      hasVideo: true,
      hasAudio: true,
    });
    assert.equal((await bob.expect("call:request")).payload.from, "alice");
    alice.send("call:end", { to: "bob" });
    await bob.expect("call:end");
    await alice.close();
    await bob.close();
  },
);

secured(
  "token mode: a socket whose token expires is closed with 1008 and a reason",
  { jwtSecret: SECRET },
  async (server) => {
    const token = await new SignJWT().setProtectedHeader({ alg: "HS256" })
      .setSubject("alice")
      .setExpirationTime(now() + 2).sign(encoder.encode(SECRET));
    const alice = await TestClient.join(server.ws, "alice", `token=${token}`);
    const closed = await alice.closed;
    assert.equal(closed.code, CLOSE_CODES.policy);
    assert.equal(closed.reason, "token expired");
  },
);

secured(
  "origin: by default only pages of the server's own host may connect",
  {},
  async (server) => {
    const port = new URL(server.ws).port;
    const evil = await handshake(`${server.ws}?userId=alice`, {
      origin: "https://evil.example",
    });
    assert.equal(evil.status, 403);
    assert.match(evil.text, /may not open the signaling socket/);
    for (
      const origin of [
        `http://127.0.0.1:${port}`,
        `https://127.0.0.1:${port}`,
        undefined,
      ]
    ) {
      const raw = await openRaw(
        `${server.ws}?userId=origin-ok`,
        origin ? { Origin: origin } : {},
      );
      assert.equal(raw.status, 101, `origin ${origin}`);
      raw.close();
      await waitUntil(() => server.hub.registry.size === 0);
    }
  },
);

secured(
  "origin: with NEXUS_ALLOWED_ORIGINS, exactly those origins",
  { allowedOrigins: ["https://call.example.org"] },
  async (server) => {
    const port = new URL(server.ws).port;
    assert.equal(
      (await handshake(`${server.ws}?userId=a`, {
        origin: `http://127.0.0.1:${port}`,
      })).status,
      403,
    );
    assert.equal(
      (await handshake(`${server.ws}?userId=a`, {
        origin: "https://call.example.org.evil",
      })).status,
      403,
    );
    const raw = await openRaw(`${server.ws}?userId=allowed`, {
      Origin: "https://call.example.org",
    });
    assert.equal(raw.status, 101);
    raw.close();
    await waitUntil(() => server.hub.registry.size === 0);
  },
);

async function waitUntil(done: () => boolean) {
  const deadline = Date.now() + 5_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

secured(
  "40 bad inputs each get their answer while a call beside them completes",
  { hub: { limits: { ...DEFAULT_LIMITS, callRequestBurst: 10 } } },
  async (server) => {
    const alice = await TestClient.join(server.ws, "alice");
    const bob = await TestClient.join(server.ws, "bob");
    const carol = await TestClient.join(server.ws, "carol");
    const mallory = await TestClient.join(server.ws, "mallory");
    alice.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
    await bob.expect("call:request");
    bob.send("call:response", { to: "alice", accepted: true });
    await alice.expect("call:response");

    // Over a socket a frame over the size cap also closes it: tested apart.
    const table: [string, string | Uint8Array<ArrayBuffer>, string][] = [
      ...BAD_FRAMES.filter(([, , code]) => code !== "too-large"),
      ["binary frame", new Uint8Array([0x7b, 0x7d]), "binary-frame"],
      [
        "calling yourself",
        frame("call:request", {
          to: "mallory",
          hasVideo: true,
          hasAudio: true,
        }),
        "self-call",
      ],
      [
        "calling someone offline",
        frame("call:request", { to: "nobody", hasVideo: true, hasAudio: true }),
        "peer-unavailable",
      ],
      [
        "an offer to someone not in a call with you",
        frame("webrtc:offer", { to: "bob", offer }),
        "not-in-call",
      ],
      [
        "a candidate into someone else's call",
        frame("webrtc:candidate", { to: "alice", candidate }),
        "not-in-call",
      ],
      [
        "answering a call nobody made",
        frame("call:response", { to: "alice", accepted: true }),
        "not-in-call",
      ],
      [
        "ending someone else's call",
        frame("call:end", { to: "bob" }),
        "not-in-call",
      ],
    ];
    assert.ok(table.length >= 30);
    for (const [name, data, code] of table) {
      mallory.sendRaw(data);
      const { payload } = await mallory.expect("error");
      assert.equal(payload.code, code, name);
      assert.ok(payload.message.length > 0, name);
    }

    // Spoofed from: delivered, but stamped with the sender's own id.
    mallory.send("call:request", {
      from: "alice",
      to: "carol",
      hasVideo: true,
      hasAudio: true,
    });
    assert.equal((await carol.expect("call:request")).payload.from, "mallory");
    // Signaling before the call is accepted: the callee may not (no address of theirs
    // reaches the caller); the caller's early offer reaches only devices that prepare
    // calls, and carol's does not.
    carol.send("webrtc:candidate", { to: "mallory", candidate });
    assert.equal((await carol.expect("error")).payload.code, "not-in-call");
    mallory.send("webrtc:offer", { to: "carol", offer });
    mallory.send("ping", {});
    await mallory.expect("pong");
    assert.deepEqual(carol.inbox, []);
    mallory.send("call:end", { to: "carol" });
    assert.equal((await carol.expect("call:end")).payload.reason, "cancelled");

    // Invalid UTF-8 in a text frame fails the connection (RFC 6455 §8.1): Deno drops it.
    const raw = await openRaw(`${server.ws}?userId=garbler`);
    assert.equal(raw.status, 101);
    await raw.send(0x1, new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]));
    assert.ok(
      [1006, 1007].includes(await raw.closeCode()),
      "the connection is failed",
    );
    raw.close();

    // The call beside all this completes, and nothing of it reached alice or bob.
    alice.send("webrtc:offer", { to: "bob", offer });
    assert.deepEqual((await bob.expect("webrtc:offer")).payload.offer, offer);
    bob.send("webrtc:answer", { to: "alice", answer });
    await alice.expect("webrtc:answer");
    bob.send("webrtc:candidate", { to: "alice", candidate });
    await alice.expect("webrtc:candidate");
    alice.send("call:end", { to: "bob" });
    assert.equal((await bob.expect("call:end")).payload.reason, "hangup");
    await settle(server.ws, alice, bob);
    assert.deepEqual(alice.inbox, []);
    assert.deepEqual(bob.inbox, []);
    for (const client of [alice, bob, carol, mallory]) await client.close();
  },
);

secured(
  "ring spam is limited; a flood is refused and then cut off, while another call sets up",
  {},
  async (server) => {
    const mallory = await TestClient.join(server.ws, "mallory");
    for (let i = 0; i < DEFAULT_LIMITS.callRequestBurst; i++) {
      mallory.send("call:request", {
        to: `ghost${i}`,
        hasVideo: true,
        hasAudio: true,
      });
      assert.equal(
        (await mallory.expect("error")).payload.code,
        "peer-unavailable",
      );
    }
    mallory.send("call:request", {
      to: "ghost",
      hasVideo: true,
      hasAudio: true,
    });
    const spam = (await mallory.expect("error")).payload;
    assert.equal(spam.code, "rate-limited");
    assert.equal(spam.inReplyTo, "call:request");

    const carol = await TestClient.join(server.ws, "carol");
    const dave = await TestClient.join(server.ws, "dave");
    const flood = JSON.stringify({
      type: "webrtc:candidate",
      payload: { to: "carol", candidate },
    });
    // Bursts of 50 as fast as the socket takes them, until the server hangs up.
    const flooding = (async () => {
      for (
        let sent = 0;
        sent < 3_000 && mallory.socket.readyState === WebSocket.OPEN;
        sent += 50
      ) {
        for (let i = 0; i < 50; i++) mallory.sendRaw(flood);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    carol.send("call:request", { to: "dave", hasVideo: true, hasAudio: true });
    await dave.expect("call:request");
    dave.send("call:response", { to: "carol", accepted: true });
    await carol.expect("call:response");
    carol.send("webrtc:offer", { to: "dave", offer });
    await dave.expect("webrtc:offer");
    dave.send("webrtc:answer", { to: "carol", answer });
    await carol.expect("webrtc:answer");
    carol.send("call:end", { to: "dave" });
    await dave.expect("call:end");

    await flooding;
    // Frames still in flight when the server closes make the kernel reset the
    // connection, so a blind flooder sees it dropped rather than a close frame.
    await mallory.closed;
    await waitUntil(() => !server.hub.registry.has("mallory"));
    const codes = new Set(
      mallory.inbox.map((m) => m.type === "error" && m.payload.code),
    );
    assert.ok(
      codes.has("rate-limited"),
      "the flood was refused before the socket was closed",
    );
    assert.deepEqual(carol.inbox, [], "nothing of the flood reached carol");
    await carol.close();
    await dave.close();
  },
);

secured(
  "a client that keeps on over the limit is closed with 1008 and a reason",
  {},
  async (server) => {
    const mallory = await TestClient.join(server.ws, "mallory");
    const frame = JSON.stringify({
      type: "webrtc:candidate",
      payload: { to: "nobody", candidate },
    });
    const codes: string[] = [];
    while (mallory.socket.readyState === WebSocket.OPEN) {
      mallory.sendRaw(frame);
      const reply = await Promise.race([
        mallory.next().catch(() => null),
        mallory.closed.then(() => null),
      ]);
      if (reply?.type === "error") codes.push(reply.payload.code);
    }
    const closed = await mallory.closed;
    assert.equal(closed.code, CLOSE_CODES.policy);
    assert.equal(closed.reason, "rate limit exceeded");
    assert.ok(
      codes.filter((c) => c === "not-in-call").length >=
        DEFAULT_LIMITS.messageBurst - 2,
    );
    assert.ok(
      codes.filter((c) => c === "rate-limited").length >=
        DEFAULT_LIMITS.refusalsBeforeClose,
    );
  },
);

secured("connection caps: per address (429) and in all (503)", {
  maxConnectionsPerIp: 2,
  maxConnections: 3,
}, async (server) => {
  const a = await TestClient.join(server.ws, "cap-a");
  const b = await TestClient.join(server.ws, "cap-b");
  const third = await handshake(`${server.ws}?userId=cap-c`);
  assert.equal(third.status, 429);
  assert.match(third.text, /Too many connections from your address/);
  await a.close();
  await waitUntil(() => server.hub.registry.size === 1);
  const c = await TestClient.join(server.ws, "cap-c");
  await b.close();
  await c.close();
});

secured("connection caps: in all", { maxConnections: 1 }, async (server) => {
  const a = await TestClient.join(server.ws, "total-a");
  const refused = await handshake(`${server.ws}?userId=total-b`);
  assert.equal(refused.status, 503);
  assert.match(refused.text, /as many connections as it takes/);
  await a.close();
});

Deno.test({
  name: "server: TLS: HTTPS and WSS with a certificate made here",
  ignore: needsPermissions(),
  async fn() {
    const { cert, key, certFile, dir } = await loopbackTls();
    try {
      const server = await startApp({ cert, key });
      const client = Deno.createHttpClient({ caCerts: [cert] });
      try {
        assert.ok(server.ws.startsWith("wss://"));
        const page = await fetch(`${server.http}/`, { client } as RequestInit);
        assert.equal(page.status, 200);
        assert.match(await page.text(), /frsh-callinterface_default/);
        const join = await new Deno.Command(Deno.execPath(), {
          args: [
            "eval",
            `--cert=${certFile}`,
            `const ws = new WebSocket(${
              JSON.stringify(`${server.ws}?userId=tls-alice`)
            });
             ws.onmessage = (e) => { console.log(e.data); ws.close(); };
             ws.onerror = (e) => { console.error(e.message); Deno.exit(1); };`,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const said = new TextDecoder().decode(join.stdout);
        assert.ok(join.success, new TextDecoder().decode(join.stderr));
        assert.equal(JSON.parse(said.split("\n")[0]).type, "session:ready");
      } finally {
        client.close();
        await server.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "server: a missing TLS file stops the server with a sentence",
  ignore: needsPermissions(),
  async fn() {
    const { code, stderr } = await runAppUntilExit({
      NEXUS_TLS_CERT: "/nonexistent/cert.pem",
      NEXUS_TLS_KEY: "/nonexistent/key.pem",
    });
    assert.equal(code, 1);
    assert.match(
      stderr,
      /NEXUS_TLS_CERT names \/nonexistent\/cert\.pem, which cannot be read/,
    );
  },
});

Deno.test({
  name:
    "server: page headers: CSP with only the app's scripts, permissions, no sniffing, no referrer, no framing",
  ignore: needsPermissions(),
  async fn() {
    const server = await startApp();
    try {
      const page = await fetch(`${server.http}/`);
      const html = await page.text();
      const csp = page.headers.get("content-security-policy") ?? "";
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(
        page.headers.get("permissions-policy") ?? "",
        /camera=\(self\), microphone=\(self\)/,
      );
      assert.equal(page.headers.get("x-content-type-options"), "nosniff");
      assert.equal(page.headers.get("referrer-policy"), "no-referrer");
      for (const script of html.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)) {
        const [, attributes, body] = script;
        assert.ok(
          attributes.includes('type="application/json"') ||
            (attributes.includes("src=") && body === ""),
          `no inline JavaScript: <script${attributes}>`,
        );
      }
    } finally {
      await server.close();
    }
  },
});
