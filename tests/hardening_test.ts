/**
 * Hardening over real sockets: what one client, one hostile page or one
 * flaky network must not be able to do to everyone else. Each test was
 * written against the defect it names and failed before the fix. See
 * SECURITY.md, "Limits".
 */
import assert from "node:assert/strict";
import { mintToken } from "../lib/signaling/auth.ts";
import { CLOSE_CODES, MAX_FRAME_BYTES } from "../lib/wire/protocol.ts";
import { MAX_PAYLOAD_VALUES } from "../lib/signaling/client_frames.ts";
import { DEFAULT_LIMITS } from "../lib/signaling/rate_limit.ts";
import { DEFAULT_JOIN_LIMIT } from "../lib/signaling/connection_limits.ts";
import {
  type RunningServer,
  serverTest,
  type SignalingOptions,
  startSignaling,
} from "./support/servers.ts";
import { openRaw, upgradeRequest } from "./support/raw_websocket.ts";
import { startNginx } from "./support/nginx.ts";
import { DEFAULT_PRESENCE_WINDOW_MS } from "../lib/signaling/presence_feed.ts";
import { needsService, NGINX } from "./support/environment.ts";
import { believedOnline, TestClient } from "./support/ws_client.ts";
import { ANSWER as answer, OFFER as offer } from "./support/messages.ts";

const SECRET = "test-secret-of-at-least-32-bytes-0123456789";

const hardened = (
  name: string,
  options: SignalingOptions,
  fn: (server: RunningServer) => Promise<void>,
) => serverTest(name, fn, () => startSignaling(options));

/** `promise`, or a failure naming `what` when it has not settled within 5 s. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: not within 5 s`)),
      5_000,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function waitUntil(done: () => boolean, what: string, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Writes an upgrade request to `url`'s server on a fresh connection; `headers` replace the usual ones. */
async function sendUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<Deno.TcpConn> {
  const target = new URL(url);
  const conn = await Deno.connect({
    hostname: target.hostname,
    port: Number(target.port),
  });
  await conn.write(upgradeRequest(url, headers));
  return conn;
}

/** An upgrade request abandoned at once: the connection closes right after it. */
async function abandonUpgrade(url: string): Promise<void> {
  (await sendUpgrade(url)).close();
}

hardened(
  "1. aborted handshakes hold no slot and no file: 400 upgrades abandoned mid-handshake, then 20 joins from the same address",
  { jwtSecret: SECRET, maxConnectionsPerIp: 20, maxConnections: 40 },
  async (server) => {
    const openFiles = () => [...Deno.readDirSync("/proc/self/fd")].length;
    const filesBefore = openFiles();
    const tokens = await Promise.all(
      Array.from(
        { length: 400 },
        (_, i) => mintToken(SECRET, `ghost-${i}`, 600),
      ),
    );
    for (let batch = 0; batch < 400; batch += 50) {
      await Promise.all(
        tokens.slice(batch, batch + 50).map((token) =>
          abandonUpgrade(`${server.ws}?token=${token}`)
        ),
      );
    }
    // Every handshake has reached the server once one more has been answered.
    const probe = await fetch(server.ws.replace(/^ws/, "http"));
    await probe.body?.cancel();
    // Deno used to keep each abandoned connection open for good, descriptor and all.
    await waitUntil(
      () => openFiles() <= filesBefore + 5,
      `${openFiles() - filesBefore} more open files`,
    );
    const joined = await Promise.all(
      Array.from({ length: 20 }, async (_, i) =>
        TestClient.join(
          server.ws,
          `late-${i}`,
          `token=${await mintToken(SECRET, `late-${i}`, 600)}`,
        )),
    );
    assert.equal(server.hub.registry.size, 20);
    for (const client of joined) await client.close();
  },
);

hardened(
  "2. a frame over 64 KiB closes its sender with 1009 at once; so does a binary one; the call beside goes on",
  {},
  async (server) => {
    const alice = await TestClient.join(server.ws, "alice");
    const bob = await TestClient.join(server.ws, "bob");
    alice.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
    await bob.expect("call:request");
    bob.send("call:response", { to: "alice", accepted: true });
    await alice.expect("call:response");

    const oversized: [string, string | Uint8Array<ArrayBuffer>][] = [
      [
        "1 MB of text",
        JSON.stringify({
          type: "call:end",
          payload: { to: "bob", pad: "x".repeat(1_000_000) },
        }),
      ],
      [
        "64 KiB of multibyte text",
        JSON.stringify({
          type: "call:end",
          payload: { to: "bob", pad: "€".repeat(MAX_FRAME_BYTES / 3 + 1) },
        }),
      ],
      ["1 MB binary", new Uint8Array(1_000_000)],
    ];
    for (const [name, frame] of oversized) {
      const mallory = await TestClient.join(server.ws, "mallory");
      mallory.sendRaw(frame);
      assert.equal((await mallory.expect("error")).payload.code, "too-large");
      const closed = await within(mallory.closed, `${name}: the close`);
      assert.equal(closed.code, CLOSE_CODES.tooLarge, name);
      assert.deepEqual(mallory.inbox, [], name);
    }
    alice.send("webrtc:offer", { to: "bob", offer });
    await bob.expect("webrtc:offer");
    bob.send("webrtc:answer", { to: "alice", answer });
    await alice.expect("webrtc:answer");
    await alice.close();
    await bob.close();
  },
);

hardened(
  "2. a payload of thousands of fields is refused before validation; large frames cost more of the message limit",
  {},
  async (server) => {
    const mallory = await TestClient.join(server.ws, "mallory");
    const fields: Record<string, number> = {};
    for (let i = 0; i < 5_000; i++) fields[`f${i}`] = i;
    mallory.send("call:end", { to: "bob", ...fields });
    const wide = (await mallory.expect("error")).payload;
    assert.equal(wide.code, "invalid-message");
    assert.match(wide.message, new RegExp(`at most ${MAX_PAYLOAD_VALUES}`));
    let nested: unknown = "bottom";
    for (let i = 0; i < 5_000; i++) nested = [nested];
    mallory.send("call:end", { to: "bob", nested });
    assert.match((await mallory.expect("error")).payload.message, /nested/);

    // 60 KiB frames cost 4 tokens each: the burst of 60 runs out after about
    // 15 of them, where it took 58 when every frame cost one.
    const big = JSON.stringify({
      type: "call:end",
      payload: { to: "bob", pad: "x".repeat(60 * 1024) },
    });
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) {
      mallory.sendRaw(big);
      codes.push((await mallory.expect("error")).payload.code);
    }
    const refused = codes.indexOf("rate-limited");
    assert.ok(
      refused > 0 && refused < DEFAULT_LIMITS.messageBurst / 2,
      `first refusal at frame ${refused}: ${codes.join(",")}`,
    );
    await mallory.close();
  },
);

hardened(
  "3. presence: 150 joins cost each session a few frames, not one per join, and everyone ends up right",
  { hub: { presenceWindowMs: DEFAULT_PRESENCE_WINDOW_MS } },
  async (server) => {
    const clients: TestClient[] = [];
    for (let batch = 0; batch < 150; batch += 30) {
      clients.push(
        ...await Promise.all(
          Array.from(
            { length: 30 },
            (_, i) => TestClient.join(server.ws, `crowd-${batch + i}`),
          ),
        ),
      );
    }
    const everyone = clients.map((client) => client.userId);
    for (const client of clients) {
      await waitUntil(
        () => believedOnline(client).size === everyone.length - 1,
        `${client.userId} sees everyone`,
      );
    }
    const frames = clients.reduce(
      (sum, client) => sum + client.presence.length,
      0,
    );
    // One update per later join would be 150·149/2 = 11,175 frames.
    assert.ok(frames < 150 * 12, `${frames} presence frames`);
    for (const client of clients) await client.close();
  },
);

hardened(
  "3. presence: a page reconnecting in a loop is news to nobody, and is refused past its join limit",
  { hub: { presenceWindowMs: DEFAULT_PRESENCE_WINDOW_MS } },
  async (server) => {
    const watchers = await Promise.all(
      Array.from(
        { length: 20 },
        (_, i) => TestClient.join(server.ws, `watcher-${i}`),
      ),
    );
    const flappy = await TestClient.join(server.ws, "flappy");
    for (const watcher of watchers) await watcher.seesPresence("flappy", true);
    const before = watchers.map((watcher) => watcher.presence.length);
    let refused = 0;
    let last = flappy;
    for (let i = 0; i < 40; i++) {
      await last.close();
      const raw = await openRaw(`${server.ws}?userId=flappy`);
      raw.close();
      if (raw.status === 429) {
        refused++;
        continue;
      }
      last = await TestClient.join(server.ws, "flappy").catch(() => last);
    }
    assert.ok(refused > 0, "the join limit refuses a reconnect loop");
    assert.ok(
      refused < 40 - DEFAULT_JOIN_LIMIT.capacity / 2 + 5,
      `${refused} refused`,
    );
    await last.close();
    const marker = await TestClient.join(server.ws, "marker");
    for (const watcher of watchers) await watcher.seesPresence("marker", true);
    const news = watchers.map((watcher, i) =>
      watcher.presence.slice(before[i]).filter((m) =>
        m.type === "presence:update" && m.payload.userId === "flappy"
      ).length
    );
    // Before, each watcher heard 2 frames a reconnect: about 80.
    assert.ok(Math.max(...news) <= 20, `flappy's news per watcher: ${news}`);
    for (const watcher of watchers) {
      assert.equal(believedOnline(watcher).has("flappy"), false);
    }
    await marker.close();
    for (const watcher of watchers) await watcher.close();
  },
);

/** The answer to a handshake sent with the given Host and Origin (which fetch cannot set). */
async function refusalText(
  url: string,
  host: string,
  origin: string,
): Promise<string> {
  const conn = await sendUpgrade(url, {
    Host: host,
    Origin: origin,
    Connection: "Upgrade, close",
  });
  return await new Response(conn.readable).text();
}

hardened(
  "4. DNS rebinding: a page whose own name points here is refused; addresses and loopback names are not",
  {},
  async (server) => {
    const port = new URL(server.ws).port;
    const join = async (host: string, origin: string) => {
      const raw = await openRaw(`${server.ws}?userId=rebound`, {
        Host: host,
        Origin: origin,
      });
      raw.close();
      return raw.status;
    };
    assert.equal(
      await join(`evil.example:${port}`, `http://evil.example:${port}`),
      403,
    );
    assert.equal(
      await join(
        `evil.localhost.example:${port}`,
        `http://evil.localhost.example:${port}`,
      ),
      403,
    );
    assert.equal(
      await join(`127.0.0.1:${port}`, `http://127.0.0.1:${port}`),
      101,
    );
    assert.equal(
      await join(`localhost:${port}`, `http://localhost:${port}`),
      101,
    );
    assert.equal(await join(`[::1]:${port}`, `http://[::1]:${port}`), 101);
    const refusal = await refusalText(
      `${server.ws}?userId=x`,
      `evil.example:${port}`,
      `http://evil.example:${port}`,
    );
    assert.match(refusal, /NEXUS_ALLOWED_ORIGINS=http:\/\/evil\.example/);
    await waitUntil(() => server.hub.registry.size === 0, "sockets closed");
  },
);

hardened(
  "4. a host name is trusted where rebinding cannot reach (TLS served here, Deno Deploy)",
  { trustHostNames: true },
  async (server) => {
    const port = new URL(server.ws).port;
    const raw = await openRaw(`${server.ws}?userId=named`, {
      Host: `call.example:${port}`,
      Origin: `https://call.example:${port}`,
    });
    raw.close();
    assert.equal(raw.status, 101);
    await waitUntil(() => server.hub.registry.size === 0, "socket closed");
  },
);

hardened(
  "5. the ring limit is the caller's: 8 connections in a row ring the victim 3 times, not 24",
  {},
  async (server) => {
    const victim = await TestClient.join(server.ws, "victim");
    let refused = 0;
    for (let i = 0; i < 8; i++) {
      const caller = await TestClient.join(server.ws, "ringer");
      for (let j = 0; j < 3; j++) {
        caller.send("call:request", {
          to: "victim",
          hasVideo: true,
          hasAudio: true,
        });
        caller.send("call:end", { to: "victim" });
      }
      // A session's frames are handled in order: once the pong is back, all of them are.
      caller.send("ping", {});
      await caller.find("pong");
      refused += caller.inbox.filter((m) =>
        m.type === "error" && m.payload.code === "rate-limited"
      ).length;
      await caller.close();
    }
    const rang = victim.inbox.filter((m) => m.type === "call:request").length;
    // The burst, and at most one more from the refill while the test runs.
    assert.ok(
      rang >= DEFAULT_LIMITS.callRequestBurst &&
        rang <= DEFAULT_LIMITS.callRequestBurst + 1,
      `rang ${rang} times`,
    );
    assert.equal(refused, 24 - rang);
    await victim.close();
  },
);

hardened(
  "6. a token valid for 30 days keeps its socket open: its expiry does not overflow a timer",
  { jwtSecret: SECRET },
  async (server) => {
    const token = await mintToken(SECRET, "longlived", 30 * 24 * 3600);
    const client = await TestClient.join(
      server.ws,
      "longlived",
      `token=${token}`,
    );
    const closedEarly = await Promise.race([
      client.closed.then((event) => `closed ${event.code} ${event.reason}`),
      new Promise((resolve) => setTimeout(() => resolve(null), 1_500)),
    ]);
    assert.equal(closedEarly, null);
    client.send("ping", {});
    assert.equal((await client.expect("pong")).type, "pong");
    await client.close();
  },
);

/** A client that sends a request's headers a byte every `everyMs`, and when the server cut it off. */
async function slowHeaders(
  http: string,
  everyMs: number,
  stopAfterMs: number,
): Promise<number | null> {
  const url = new URL(http);
  const conn = await Deno.connect({
    hostname: url.hostname,
    port: Number(url.port),
  });
  const started = Date.now();
  let cutAt: number | null = null;
  const reading = conn.read(new Uint8Array(1024)).then(
    () => cutAt = Date.now() - started,
    () => cutAt = Date.now() - started,
  );
  const header = new TextEncoder().encode(
    `GET /ws?userId=slow HTTP/1.1\r\nHost: ${url.host}\r\nX-Slow: `,
  );
  try {
    await conn.write(header);
    while (cutAt === null && Date.now() - started < stopAfterMs) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      await conn.write(new TextEncoder().encode("a"));
    }
  } catch {
    // Cut off while writing.
  }
  conn.close();
  await reading;
  return cutAt !== null && cutAt < stopAfterMs ? cutAt : null;
}

Deno.test({
  name:
    "server: 8. slow headers: behind the documented nginx, 100 clients sending headers a byte at a time are cut off after 10 s, and nobody else is kept out",
  ignore: needsService(NGINX),
  async fn() {
    const server = startSignaling();
    const nginx = await startNginx(new URL(server.http).host);
    try {
      const slow = Array.from(
        { length: 100 },
        () => slowHeaders(nginx.http, 500, 15_000),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const ws = nginx.http.replace(/^http/, "ws") + "/ws";
      const alice = await TestClient.join(ws, "alice");
      const bob = await TestClient.join(ws, "bob");
      alice.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
      await bob.expect("call:request");
      alice.send("call:end", { to: "bob" });
      await bob.expect("call:end");
      const cut = await Promise.all(slow);
      for (const at of cut) {
        assert.ok(at !== null && at >= 9_000 && at < 12_500, `cut at ${at} ms`);
      }
      await alice.close();
      await bob.close();
    } finally {
      await nginx.stop();
      await server.close();
    }
  },
});
