/**
 * The signaling server over real sockets: a real server on port 0 and real
 * WebSocket clients, as an outside tool would speak the protocol.
 */
import assert from "node:assert/strict";
import {
  type RunningServer,
  serverTest,
  startApp,
  startSignaling,
} from "./support/servers.ts";
import { settle, TestClient } from "./support/ws_client.ts";

const offer = { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" };
const answer = { type: "answer", sdp: "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n" };
const candidate = {
  candidate: "candidate:1 1 udp 2122260223 127.0.0.1 54400 typ host",
  sdpMid: "0",
  sdpMLineIndex: 0,
};

/** A test against a real server, left with no session and no call. */
const withServer = serverTest;

/** alice calls bob and bob accepts. */
async function connectedPair(server: RunningServer, a = "alice", b = "bob") {
  const alice = await TestClient.join(server.ws, a);
  const bob = await TestClient.join(server.ws, b);
  alice.send("call:request", {
    from: a,
    to: b,
    hasVideo: true,
    hasAudio: true,
  });
  await bob.expect("call:request");
  bob.send("call:response", { from: b, to: a, accepted: true });
  await alice.expect("call:response");
  return { alice, bob };
}

withServer(
  "a presence list of more than 100 users comes in parts, one a turn, to a client that joins with parts=1, and whole to one that does not",
  async (server) => {
    const others = await Promise.all(
      Array.from(
        { length: 149 },
        (_, i) => TestClient.join(server.ws, `u${i}`),
      ),
    );
    const [parts, whole] = await Promise.all([
      TestClient.join(server.ws, "parts", "userId=parts&parts=1"),
      TestClient.join(server.ws, "whole"),
    ]);
    const lists = (client: TestClient) =>
      client.presence.filter((m) => m.type === "presence:list").map((m) =>
        m.payload as { users: string[]; part?: number; parts?: number }
      );
    const [list] = lists(whole);
    assert.equal(list.part, undefined);
    assert.ok(list.users.length >= 150, `${list.users.length} users`);
    let received = lists(parts);
    for (let waits = 0; received.length < 2 && waits < 500; waits++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      received = lists(parts);
    }
    const first = received.slice(0, received[0].parts);
    assert.deepEqual(first.map((p) => p.part), [0, 1]);
    assert.equal(first[0].users.length, 100);
    const gathered = first.flatMap((p) => p.users);
    assert.equal(new Set(gathered).size, gathered.length, "each user once");
    for (const id of ["u0", "u148", "parts"]) {
      assert.ok(gathered.includes(id), id);
    }
    await Promise.all(
      [...others, parts, whole].map((client) => client.close()),
    );
  },
);

withServer(
  "a whole call's signaling, with from stamped by the server",
  async (server) => {
    const alice = await TestClient.join(server.ws, "alice");
    const bob = await TestClient.join(server.ws, "bob");
    await alice.seesPresence("bob", true);

    alice.send("call:request", {
      from: "mallory",
      to: "bob",
      hasVideo: true,
      hasAudio: true,
    });
    assert.deepEqual((await bob.expect("call:request")).payload, {
      from: "alice",
      to: "bob",
      hasVideo: true,
      hasAudio: true,
    });
    bob.send("call:response", { from: "bob", to: "alice", accepted: true });
    assert.equal((await alice.expect("call:response")).payload.accepted, true);

    alice.send("webrtc:offer", { from: "alice", to: "bob", offer });
    assert.deepEqual((await bob.expect("webrtc:offer")).payload, {
      from: "alice",
      to: "bob",
      offer,
    });
    bob.send("webrtc:answer", { from: "bob", to: "alice", answer });
    assert.deepEqual((await alice.expect("webrtc:answer")).payload, {
      from: "bob",
      to: "alice",
      answer,
    });
    for (let i = 0; i < 5; i++) {
      alice.send("webrtc:candidate", { from: "alice", to: "bob", candidate });
      bob.send("webrtc:candidate", { from: "bob", to: "alice", candidate });
    }
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await bob.expect("webrtc:candidate")).payload.from,
        "alice",
      );
      assert.equal(
        (await alice.expect("webrtc:candidate")).payload.from,
        "bob",
      );
    }
    alice.send("call:end", { from: "alice", to: "bob" });
    assert.deepEqual((await bob.expect("call:end")).payload, {
      from: "alice",
      to: "bob",
      reason: "hangup",
    });
    assert.equal(server.hub.calls.size, 0);
    await alice.close();
    await bob.close();
  },
);

withServer("decline tells the caller", async (server) => {
  const alice = await TestClient.join(server.ws, "alice");
  const bob = await TestClient.join(server.ws, "bob");
  alice.send("call:request", { to: "bob", hasVideo: false, hasAudio: true });
  await bob.expect("call:request");
  bob.send("call:response", {
    to: "alice",
    accepted: false,
    reason: "declined",
  });
  assert.deepEqual((await alice.expect("call:response")).payload, {
    from: "bob",
    to: "alice",
    accepted: false,
    reason: "declined",
  });
  await alice.close();
  await bob.close();
});

withServer(
  "calling an offline user answers peer-unavailable",
  async (server) => {
    const alice = await TestClient.join(server.ws, "alice");
    alice.send("call:request", {
      to: "nobody",
      hasVideo: true,
      hasAudio: true,
    });
    const { payload } = await alice.expect("error");
    assert.equal(payload.code, "peer-unavailable");
    assert.equal(payload.inReplyTo, "call:request");
    assert.equal(payload.message, "nobody is not online.");
    await alice.close();
  },
);

withServer(
  "calling someone in a call answers busy; their call goes on",
  async (server) => {
    const { alice, bob } = await connectedPair(server);
    const carol = await TestClient.join(server.ws, "carol");
    carol.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
    assert.deepEqual((await carol.expect("call:response")).payload, {
      from: "bob",
      to: "carol",
      accepted: false,
      reason: "busy",
    });
    alice.send("webrtc:candidate", { to: "bob", candidate });
    assert.equal((await bob.expect("webrtc:candidate")).payload.from, "alice");
    await settle(server.ws, alice, bob);
    assert.deepEqual(bob.inbox, [], "bob never heard carol's call");
    for (const client of [alice, bob, carol]) await client.close();
  },
);

withServer(
  "a party that disconnects mid-call ends it with peer-gone",
  async (server) => {
    const { alice, bob } = await connectedPair(server);
    await alice.close();
    assert.deepEqual((await bob.expect("call:end")).payload, {
      from: "alice",
      to: "bob",
      reason: "peer-gone",
    });
    await bob.seesPresence("alice", false);
    await bob.close();
  },
);

withServer(
  "a second connection under a connected id is another device; the call goes on on the first",
  async (server) => {
    const { alice, bob } = await connectedPair(server);
    const second = await TestClient.join(server.ws, "alice");
    assert.deepEqual(second.inbox, []);
    bob.send("webrtc:candidate", { to: "alice", candidate });
    assert.equal((await alice.expect("webrtc:candidate")).payload.from, "bob");
    await settle(server.ws, second);
    assert.deepEqual(
      second.inbox,
      [],
      "signaling stays with the device in the call",
    );
    for (const client of [alice, bob, second]) await client.close();
  },
);

withServer(
  "an unanswered call ends with no-answer on both sides",
  async (server) => {
    const alice = await TestClient.join(server.ws, "alice");
    const bob = await TestClient.join(server.ws, "bob");
    alice.send("call:request", { to: "bob", hasVideo: true, hasAudio: true });
    await bob.expect("call:request");
    assert.equal((await alice.expect("call:end")).payload.reason, "no-answer");
    assert.equal((await bob.expect("call:end")).payload.reason, "no-answer");
    await alice.close();
    await bob.close();
  },
  () => startSignaling({ hub: { ringTimeoutMs: 200 } }),
);

withServer(
  "bad frames get an error; the socket and the call beside them carry on",
  async (server) => {
    const { alice, bob } = await connectedPair(server);
    const mallory = await TestClient.join(server.ws, "mallory");
    const bad: [string | Uint8Array<ArrayBuffer>, string][] = [
      ["not json", "invalid-json"],
      [new Uint8Array([0xff, 0x00, 0x7b]), "binary-frame"],
      [JSON.stringify({ type: "call:teleport", payload: {} }), "unknown-type"],
      [
        JSON.stringify({
          type: "call:request",
          payload: { to: "bob", hasVideo: "yes", hasAudio: true },
        }),
        "invalid-message",
      ],
      [
        JSON.stringify({
          type: "webrtc:offer",
          payload: { from: "alice", to: "bob", offer },
        }),
        "not-in-call",
      ],
      [
        JSON.stringify({
          type: "call:end",
          payload: { from: "alice", to: "bob" },
        }),
        "not-in-call",
      ],
      [
        JSON.stringify({
          type: "call:response",
          payload: { to: "alice", accepted: true },
        }),
        "not-in-call",
      ],
      [
        JSON.stringify({
          type: "call:request",
          payload: { to: "mallory", hasVideo: true, hasAudio: true },
        }),
        "self-call",
      ],
    ];
    for (const [frame, code] of bad) {
      mallory.sendRaw(frame);
      const { payload } = await mallory.expect("error");
      assert.equal(payload.code, code, `frame ${String(frame).slice(0, 40)}`);
      assert.ok(payload.message.length > 0);
    }
    bob.send("webrtc:candidate", { to: "alice", candidate });
    assert.equal((await alice.expect("webrtc:candidate")).payload.from, "bob");
    await settle(server.ws, alice, bob);
    assert.deepEqual(alice.inbox, [], "nothing of mallory's reached alice");
    assert.deepEqual(bob.inbox, [], "nothing of mallory's reached bob");
    mallory.send("call:request", {
      to: "alice",
      hasVideo: true,
      hasAudio: true,
    });
    assert.equal(
      (await mallory.expect("call:response")).payload.reason,
      "busy",
      "mallory's socket still works",
    );
    for (const client of [alice, bob, mallory]) await client.close();
  },
);

withServer(
  "through the app: /ws joins and relays; GET /ws explains itself",
  async (server) => {
    let response = await fetch(`${server.http}/ws`);
    assert.equal(response.status, 426);
    assert.match(await response.text(), /open it with a WebSocket client/);
    response = await fetch(`${server.http}/ws?userId=a%20b`, {
      headers: { upgrade: "websocket" },
    });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /userId query parameter must be/);
    const bad = TestClient.open(`${server.ws}?userId=${"x".repeat(65)}`, "bad");
    await bad.closed;
    const { alice, bob } = await connectedPair(server, "app-alice", "app-bob");
    alice.send("call:end", { to: "app-bob" });
    assert.equal((await bob.expect("call:end")).payload.from, "app-alice");
    await alice.close();
    await bob.close();
  },
  startApp,
);

withServer("through the app: the page and its bundles", async (server) => {
  const page = await fetch(`${server.http}/`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<!--frsh-callinterface_default:0:-->/);
  assert.match(html, /<style id="__FRSH_TWIND">/);
  // Before its script runs, Join is disabled: a press would only submit the
  // bare form and reload the page (a person's first click, or a fast test's).
  assert.match(html, /<button type="submit"[^>]*" disabled>Join<\/button>/);
  const scripts = [...html.matchAll(/(\/_frsh\/js\/[^"]+\.js)/g)].map((m) =>
    m[1]
  );
  assert.ok(scripts.length >= 2, "runtime and island bundles are referenced");
  for (const script of new Set(scripts)) {
    const response = await fetch(server.http + script);
    assert.equal(response.status, 200, script);
    assert.equal(
      response.headers.get("cache-control"),
      "public, max-age=604800, immutable",
    );
    await response.body?.cancel();
  }
  const missing = await fetch(`${server.http}/no/such/page`);
  assert.equal(missing.status, 404);
  const notFound = await missing.text();
  assert.match(notFound, /Page not found/);
  assert.ok(
    !notFound.includes("<script"),
    "a page without islands ships no JavaScript",
  );
}, startApp);
