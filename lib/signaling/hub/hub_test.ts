import assert from "node:assert/strict";
import { SignalingHub } from "./hub.ts";
import { CLOSE_CODES } from "../../protocol.ts";
import type { Session } from "../session.ts";
import { FakeSocket } from "../../../tests/support/fake_socket.ts";
import { ManualTimers } from "../../../tests/support/fake_webrtc.ts";

const RING_MS = 1_000;

/** Lets the hub finish what it started: the in-process engine answers within one turn. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const GRACE_MS = 5_000;

/** These tests are about calls: presence goes out as it changes, not a window at a time. */
const AT_ONCE = { presenceWindowMs: 0 };

function setup() {
  const timers = new ManualTimers();
  const hub = new SignalingHub({
    ...AT_ONCE,
    ringTimeoutMs: RING_MS,
    resumeGraceMs: GRACE_MS,
    timers: { set: timers.setTimeout, clear: timers.clearTimeout },
  });
  const join = async (userId: string, deviceId?: string) => {
    const socket = new FakeSocket();
    const session = hub.connect(userId, socket, { deviceId });
    await tick();
    socket.take();
    return { session, socket };
  };
  const frame = async (
    from: Session,
    type: string,
    payload: Record<string, unknown>,
  ) => {
    await hub.receive(from, JSON.stringify({ type, payload }));
    await tick();
  };
  return { hub, timers, join, frame };
}

/** alice and bob in an accepted call. */
async function inCall() {
  const t = setup();
  const alice = await t.join("alice");
  const bob = await t.join("bob");
  for (const x of [alice, bob]) x.socket.take();
  await t.frame(alice.session, "call:request", {
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  await t.frame(bob.session, "call:response", { to: "alice", accepted: true });
  alice.socket.take();
  bob.socket.take();
  return { ...t, alice, bob };
}

/** alice calling bob, who is on his phone and his laptop; what each device got is taken. */
async function ringingTwoDevices() {
  const t = setup();
  const alice = await t.join("alice");
  const phone = await t.join("bob", "phone");
  const laptop = await t.join("bob", "laptop");
  await t.frame(alice.session, "call:request", {
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  const rang = { phone: phone.socket.take(), laptop: laptop.socket.take() };
  return { ...t, alice, phone, laptop, rang };
}

Deno.test("joining: ready with a device id, presence once per user, and more devices", async () => {
  const { hub, join } = setup();
  const alice = await join("alice", "laptop");
  const socket = new FakeSocket();
  hub.connect("bob", socket, {
    deviceId: "phone",
    iceServers: [{ urls: "stun:127.0.0.1:3478" }],
  });
  await tick();
  assert.deepEqual(socket.take(), [
    {
      type: "session:ready",
      payload: {
        userId: "bob",
        deviceId: "phone",
        iceServers: [{ urls: "stun:127.0.0.1:3478" }],
        iceTransportPolicy: "all",
        presence: true,
      },
    },
    { type: "presence:list", payload: { users: ["alice", "bob"], inCall: [] } },
  ]);
  assert.deepEqual(alice.socket.take(), [{
    type: "presence:update",
    payload: { userId: "bob", online: true },
  }]);

  const tablet = await join("alice", "tablet");
  assert.equal(hub.registry.devices("alice").length, 2);
  assert.deepEqual(
    alice.socket.take(),
    [],
    "a second device is not news to anyone",
  );
  assert.deepEqual(socket.take(), []);
  await hub.disconnect(tablet.session);
  assert.deepEqual(socket.take(), [], "alice is still online on her laptop");

  const anonymous = new FakeSocket();
  const made = hub.connect("carol", anonymous);
  assert.match(
    made.deviceId,
    /^[a-z0-9]{18}$/,
    "a device id is made when none is given",
  );
});

Deno.test("a whole call's signaling, with from stamped by the server", async () => {
  const { hub, join, frame } = setup();
  const alice = await join("alice");
  const bob = await join("bob");
  alice.socket.takeCalls();
  await frame(alice.session, "call:request", {
    from: "mallory",
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  assert.deepEqual(bob.socket.takeCalls(), [{
    type: "call:request",
    payload: { from: "alice", to: "bob", hasVideo: true, hasAudio: true },
  }]);
  await frame(bob.session, "call:response", { to: "alice", accepted: true });
  assert.deepEqual(alice.socket.takeCalls(), [{
    type: "call:response",
    payload: { to: "alice", accepted: true, from: "bob" },
  }]);
  assert.equal(hub.calls.of("alice")?.phase, "active");

  const offer = { type: "offer", sdp: "v=0" };
  await frame(alice.session, "webrtc:offer", { to: "bob", offer });
  await frame(bob.session, "webrtc:answer", {
    to: "alice",
    answer: { type: "answer", sdp: "v=0" },
  });
  await frame(bob.session, "webrtc:candidate", {
    to: "alice",
    candidate: { candidate: "c", sdpMid: "0" },
  });
  assert.deepEqual(
    bob.socket.takeCalls().map((
      m,
    ) => [m.type, "from" in m.payload && m.payload.from]),
    [["webrtc:offer", "alice"]],
  );
  assert.deepEqual(alice.socket.takeCalls().map((m) => m.type), [
    "webrtc:answer",
    "webrtc:candidate",
  ]);

  await frame(bob.session, "call:end", { to: "alice" });
  assert.deepEqual(alice.socket.takeCalls(), [{
    type: "call:end",
    payload: { to: "alice", from: "bob", reason: "hangup" },
  }]);
  assert.equal(hub.calls.size, 0);
});

Deno.test("declining frees both users", async () => {
  const { hub, join, frame } = setup();
  const alice = await join("alice");
  const bob = await join("bob");
  await frame(alice.session, "call:request", {
    to: "bob",
    hasVideo: false,
    hasAudio: true,
  });
  await frame(bob.session, "call:response", {
    to: "alice",
    accepted: false,
    reason: "declined",
  });
  assert.equal(alice.socket.take().at(-1)?.type, "call:response");
  assert.equal(hub.calls.size, 0);
});

Deno.test("calling someone offline, yourself, or while in a call", async () => {
  const { join, frame } = setup();
  const alice = await join("alice");
  await frame(alice.session, "call:request", {
    to: "ghost",
    hasVideo: true,
    hasAudio: true,
  });
  await frame(alice.session, "call:request", {
    to: "alice",
    hasVideo: true,
    hasAudio: true,
  });
  assert.deepEqual(
    alice.socket.take().map((m) =>
      m.type === "error" && [m.payload.code, m.payload.inReplyTo]
    ),
    [
      ["peer-unavailable", "call:request"],
      ["self-call", "call:request"],
    ],
  );
  const t = await inCall();
  await t.join("carol");
  await t.frame(t.alice.session, "call:request", {
    to: "carol",
    hasVideo: true,
    hasAudio: true,
  });
  const [error] = t.alice.socket.take().filter((m) => m.type === "error");
  assert.equal(error.type === "error" && error.payload.code, "already-in-call");
});

Deno.test("calling someone in a call answers busy and leaves their call alone", async () => {
  const t = await inCall();
  const carol = await t.join("carol");
  t.bob.socket.take();
  await t.frame(carol.session, "call:request", {
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  assert.deepEqual(carol.socket.take(), [{
    type: "call:response",
    payload: { from: "bob", to: "carol", accepted: false, reason: "busy" },
  }]);
  assert.deepEqual(t.bob.socket.take(), []);
  assert.equal(t.hub.calls.between("alice", "bob")?.phase, "active");
});

Deno.test("signaling outside a call is refused with not-in-call and delivered to nobody", async (t) => {
  const s = setup();
  const alice = await s.join("alice");
  const bob = await s.join("bob");
  const carol = await s.join("carol");
  for (const x of [alice, bob, carol]) x.socket.take();
  const attempts: [string, Record<string, unknown>][] = [
    ["webrtc:offer", { to: "bob", offer: { type: "offer", sdp: "v=0" } }],
    ["webrtc:candidate", { to: "bob", candidate: { candidate: "c" } }],
    ["call:response", { to: "bob", accepted: true }],
    ["call:end", { to: "bob" }],
  ];
  for (const [type, payload] of attempts) {
    await t.step(`${type} with no call`, async () => {
      await s.frame(alice.session, type, payload);
      const [reply] = alice.socket.take();
      assert.equal(reply.type === "error" && reply.payload.code, "not-in-call");
      assert.deepEqual(bob.socket.take(), []);
    });
  }
  await t.step("webrtc:* while still ringing", async () => {
    await s.frame(alice.session, "call:request", {
      to: "bob",
      hasVideo: true,
      hasAudio: true,
    });
    bob.socket.take();
    await s.frame(alice.session, "webrtc:offer", {
      to: "bob",
      offer: { type: "offer", sdp: "v=0" },
    });
    const [reply] = alice.socket.take();
    assert.equal(reply.type === "error" && reply.payload.code, "not-in-call");
    assert.deepEqual(bob.socket.take(), []);
  });
  await t.step("the caller cannot answer their own call", async () => {
    await s.frame(alice.session, "call:response", {
      to: "bob",
      accepted: true,
    });
    const [reply] = alice.socket.take();
    assert.equal(reply.type === "error" && reply.payload.code, "not-in-call");
  });
  await t.step("a third user cannot end or join their call", async () => {
    await s.frame(carol.session, "call:end", { to: "bob" });
    await s.frame(carol.session, "call:response", {
      to: "alice",
      accepted: true,
    });
    assert.deepEqual(
      carol.socket.take().map((m) => m.type === "error" && m.payload.code),
      ["not-in-call", "not-in-call"],
    );
    assert.deepEqual(bob.socket.take(), []);
    assert.deepEqual(alice.socket.take(), []);
    assert.equal(s.hub.calls.between("alice", "bob")?.phase, "ringing");
  });
});

Deno.test("bad frames get errors and the socket stays open", async () => {
  const t = await inCall();
  await t.hub.receive(t.alice.session, "not json");
  await t.hub.receive(t.alice.session, new Uint8Array([1, 2, 3]));
  await t.hub.receive(
    t.alice.session,
    JSON.stringify({ type: "nope", payload: {} }),
  );
  assert.deepEqual(
    t.alice.socket.take().map((m) => m.type === "error" && m.payload.code),
    [
      "invalid-json",
      "binary-frame",
      "unknown-type",
    ],
  );
  assert.equal(t.alice.socket.closed, null);
  assert.deepEqual(t.bob.socket.take(), []);
  assert.equal(t.hub.calls.between("alice", "bob")?.phase, "active");
});

Deno.test("a party whose socket closes has the grace period to come back, then the call ends", async () => {
  const t = await inCall();
  await t.hub.disconnect(t.alice.session);
  assert.deepEqual(t.bob.socket.take(), [{
    type: "presence:update",
    payload: { userId: "alice", online: false },
  }]);
  t.timers.advance(GRACE_MS - 1);
  await tick();
  assert.equal(t.hub.calls.size, 1, "the call waits");
  t.timers.advance(1);
  await tick();
  assert.deepEqual(t.bob.socket.takeCalls(), [{
    type: "call:end",
    payload: { from: "alice", to: "bob", reason: "peer-gone" },
  }]);
  await t.hub.disconnect(t.bob.session);
  assert.equal(t.hub.registry.size, 0);
  assert.equal(t.hub.calls.size, 0);
  assert.equal(t.timers.size, 0, "no timer is left");
});

Deno.test("a device that comes back in time keeps its call", async () => {
  const t = await inCall();
  const device = t.alice.session.deviceId;
  await t.hub.disconnect(t.alice.session);
  const back = await t.join("alice", device);
  await t.frame(back.session, "call:resume", { to: "bob" });
  t.timers.advance(GRACE_MS * 2);
  await tick();
  assert.equal(t.hub.calls.between("alice", "bob")?.phase, "active");
  await t.frame(t.bob.session, "webrtc:candidate", {
    to: "alice",
    candidate: { candidate: "c" },
  });
  assert.equal(
    back.socket.take().at(-1)?.type,
    "webrtc:candidate",
    "signaling reaches the new socket",
  );
});

Deno.test("a reconnect that arrives before the old socket's close replaces it, and the late close changes nothing", async () => {
  const t = await inCall();
  const device = t.alice.session.deviceId;
  const back = await t.join("alice", device);
  assert.deepEqual(t.alice.socket.closed, {
    code: CLOSE_CODES.replaced,
    reason: "replaced by a newer connection",
  });
  await t.hub.disconnect(t.alice.session);
  assert.equal(t.hub.registry.get("alice", device), back.session);
  t.timers.advance(GRACE_MS * 2);
  await tick();
  assert.equal(
    t.hub.calls.between("alice", "bob")?.phase,
    "active",
    "no grace was started",
  );
  assert.deepEqual(t.bob.socket.take(), []);
});

Deno.test("after a server restart, a call both parties resume is restored; one nobody resumes ends", async () => {
  const t = setup();
  const alice = await t.join("alice", "a1");
  const bob = await t.join("bob", "b1");
  await t.frame(alice.session, "call:resume", { to: "bob" });
  assert.equal(t.hub.calls.size, 0, "one side alone is not a call");
  await t.frame(bob.session, "call:resume", { to: "alice" });
  assert.equal(t.hub.calls.between("alice", "bob")?.phase, "active");
  await t.frame(bob.session, "call:end", { to: "alice" });
  assert.equal(
    alice.socket.take().at(-1)?.type,
    "call:end",
    "the restored call hangs up",
  );

  const carol = await t.join("carol");
  await t.frame(carol.session, "call:resume", { to: "dave" });
  t.timers.advance(GRACE_MS);
  await tick();
  assert.deepEqual(carol.socket.take().at(-1), {
    type: "call:end",
    payload: { from: "dave", to: "carol", reason: "peer-gone" },
  });
});

Deno.test("a late close of a replaced connection does not evict its successor", async () => {
  const { hub, join } = setup();
  const first = await join("alice", "tab");
  const second = await join("alice", "tab");
  await hub.disconnect(first.session);
  assert.equal(hub.registry.get("alice", "tab"), second.session);
});

Deno.test("many devices: every device rings, the first to answer gets the call", async () => {
  const t = await ringingTwoDevices();
  const { alice, phone, laptop } = t;
  assert.equal(t.rang.phone.at(-1)?.type, "call:request");
  assert.equal(t.rang.laptop.at(-1)?.type, "call:request");
  const tablet = await t.join("bob", "tablet");
  await t.frame(laptop.session, "call:response", {
    to: "alice",
    accepted: true,
  });
  assert.equal(alice.socket.takeCalls().at(-1)?.type, "call:response");
  for (const device of [phone, tablet]) {
    assert.deepEqual(device.socket.takeCalls(), [
      {
        type: "call:end",
        payload: { from: "alice", to: "bob", reason: "answered-elsewhere" },
      },
    ]);
  }
  await t.frame(phone.session, "call:response", {
    to: "alice",
    accepted: true,
  });
  assert.equal(
    (phone.socket.takeCalls()[0] as { payload: { code: string } }).payload.code,
    "not-in-call",
  );
  await t.frame(phone.session, "webrtc:candidate", {
    to: "alice",
    candidate: {},
  });
  assert.equal(
    (phone.socket.takeCalls()[0] as { payload: { code: string } }).payload.code,
    "not-in-call",
  );
  await t.frame(alice.session, "webrtc:offer", {
    to: "bob",
    offer: { type: "offer", sdp: "v=0" },
  });
  assert.equal(
    laptop.socket.takeCalls().at(-1)?.type,
    "webrtc:offer",
    "signaling goes to the device that answered",
  );
  assert.deepEqual(phone.socket.takeCalls(), []);
  assert.deepEqual(tablet.socket.takeCalls(), []);
});

Deno.test("many devices: a decline on one declines the call everywhere", async () => {
  const t = await ringingTwoDevices();
  const { alice, phone, laptop } = t;
  await t.frame(phone.session, "call:response", {
    to: "alice",
    accepted: false,
    reason: "declined",
  });
  assert.equal(
    (alice.socket.take().at(-1) as { payload: { accepted: boolean } }).payload
      .accepted,
    false,
  );
  assert.deepEqual(laptop.socket.take(), [
    {
      type: "call:end",
      payload: { from: "alice", to: "bob", reason: "declined" },
    },
  ]);
  assert.equal(t.hub.calls.size, 0);
});

Deno.test("a device that joins while its user is being called rings too", async () => {
  const t = setup();
  const alice = await t.join("alice");
  await t.join("bob", "phone");
  await t.frame(alice.session, "call:request", {
    to: "bob",
    hasVideo: false,
    hasAudio: true,
  });
  const socket = new FakeSocket();
  t.hub.connect("bob", socket, { deviceId: "laptop" });
  await tick();
  assert.deepEqual(socket.take().at(-1), {
    type: "call:request",
    payload: { from: "alice", to: "bob", hasVideo: false, hasAudio: true },
  });
});

Deno.test("glare: two users calling each other at once end up in one call, the lower id's", async (t) => {
  for (const first of ["alice", "bob"]) {
    await t.step(`${first}'s request arrives first`, async () => {
      const s = setup();
      const users = { alice: await s.join("alice"), bob: await s.join("bob") };
      const second = first === "alice" ? "bob" : "alice";
      await s.frame(users[first as "alice"].session, "call:request", {
        to: second,
        hasVideo: true,
        hasAudio: true,
      });
      await s.frame(users[second as "bob"].session, "call:request", {
        to: first,
        hasVideo: true,
        hasAudio: true,
      });
      const call = s.hub.calls.between("alice", "bob");
      assert.equal(call?.caller, "alice");
      assert.equal(call?.phase, "ringing");
      assert.equal(s.hub.calls.size, 1);
      const toBob = users.bob.socket.take();
      assert.ok(
        toBob.some((m) =>
          m.type === "call:request" && m.payload.from === "alice"
        ),
        "bob is rung by alice",
      );
      if (first === "bob") {
        assert.ok(
          toBob.some((m) =>
            m.type === "call:response" && m.payload.reason === "glare"
          ),
        );
      } else {
        assert.deepEqual(
          toBob.filter((m) => m.type === "call:response").map((m) => m.payload),
          [
            { from: "alice", to: "bob", accepted: false, reason: "glare" },
          ],
        );
      }
      await s.frame(users.bob.session, "call:response", {
        to: "alice",
        accepted: true,
      });
      assert.equal(s.hub.calls.between("alice", "bob")?.phase, "active");
    });
  }
});

Deno.test("ping is answered pong", async () => {
  const t = setup();
  const alice = await t.join("alice");
  await t.frame(alice.session, "ping", {});
  await t.hub.receive(alice.session, '{"type":"ping"}');
  assert.deepEqual(alice.socket.take(), [{ type: "pong", payload: {} }, {
    type: "pong",
    payload: {},
  }]);
});

Deno.test("an unanswered call ends with no-answer on both sides", async () => {
  const { hub, timers, join, frame } = setup();
  const alice = await join("alice");
  const bob = await join("bob");
  alice.socket.take();
  await frame(alice.session, "call:request", {
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  bob.socket.take();
  timers.advance(RING_MS - 1);
  await tick();
  assert.equal(hub.calls.size, 1);
  timers.advance(1);
  await tick();
  assert.deepEqual(alice.socket.take(), [{
    type: "call:end",
    payload: { from: "bob", to: "alice", reason: "no-answer" },
  }]);
  assert.deepEqual(bob.socket.take(), [{
    type: "call:end",
    payload: { from: "alice", to: "bob", reason: "no-answer" },
  }]);
  assert.equal(hub.calls.size, 0);
});

Deno.test("an answered or cancelled call stops its ring timer", async () => {
  const t = await inCall();
  assert.equal(t.timers.size, 0);
  const carol = await t.join("carol");
  const dave = await t.join("dave");
  await t.frame(carol.session, "call:request", {
    to: "dave",
    hasVideo: true,
    hasAudio: true,
  });
  assert.equal(t.timers.size, 1);
  await t.frame(carol.session, "call:end", { to: "dave" });
  assert.deepEqual(dave.socket.take().at(-1), {
    type: "call:end",
    payload: { to: "dave", from: "carol", reason: "cancelled" },
  });
  assert.equal(t.timers.size, 0);
});

Deno.test("sessions get fresh ICE servers before the old ones expire, until they leave", async () => {
  const timers = new ManualTimers();
  let issued = 0;
  const hub = new SignalingHub({
    ...AT_ONCE,
    ringTimeoutMs: RING_MS,
    timers: { set: timers.setTimeout, clear: timers.clearTimeout },
    iceRefresh: {
      forUser: (userId) =>
        Promise.resolve([{
          urls: "turn:127.0.0.1",
          username: `${++issued}:${userId}`,
        }]),
      everyMs: 1_000,
    },
  });
  const socket = new FakeSocket();
  const session = hub.connect("alice", socket)!;
  await tick();
  socket.take();
  for (const round of [1, 2]) {
    timers.advance(1_000);
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(socket.take(), [{
      type: "session:ice-servers",
      payload: {
        iceServers: [{ urls: "turn:127.0.0.1", username: `${round}:alice` }],
      },
    }]);
  }
  await hub.disconnect(session);
  assert.equal(timers.size, 0, "no timer outlives the session");
});

Deno.test("a session whose token expires is closed with 1008", async () => {
  const timers = new ManualTimers();
  let now = 10_000;
  const hub = new SignalingHub({
    ...AT_ONCE,
    ringTimeoutMs: RING_MS,
    timers: { set: timers.setTimeout, clear: timers.clearTimeout },
    now: () => now,
  });
  const socket = new FakeSocket();
  hub.connect("alice", socket, { expiresAt: 15_000 });
  now = 14_999;
  timers.advance(4_999);
  await tick();
  assert.equal(socket.closed, null);
  timers.advance(1);
  await tick();
  assert.deepEqual(socket.closed, {
    code: CLOSE_CODES.policy,
    reason: "token expired",
  });
});

Deno.test("with presence off, nobody learns who is online, and calling by id still works", async () => {
  const hub = new SignalingHub({ ringTimeoutMs: RING_MS, presence: false });
  const alice = new FakeSocket();
  const bob = new FakeSocket();
  const aliceSession = hub.connect("alice", alice);
  hub.connect("bob", bob);
  await tick();
  assert.deepEqual(alice.take().map((m) => m.type), ["session:ready"]);
  assert.equal(
    (bob.take()[0].payload as { presence: boolean }).presence,
    false,
  );
  await hub.receive(
    aliceSession,
    JSON.stringify({
      type: "call:request",
      payload: { to: "bob", hasVideo: true, hasAudio: true },
    }),
  );
  assert.deepEqual(bob.take().map((m) => m.type), ["call:request"]);
  await hub.disconnect(aliceSession);
  assert.deepEqual(bob.take(), []);
});

Deno.test("presence says who is in a call, from answer to hang-up", async () => {
  const t = await inCall();
  const carol = new FakeSocket();
  t.hub.connect("carol", carol);
  await tick();
  assert.deepEqual(carol.take()[1], {
    type: "presence:list",
    payload: { users: ["alice", "bob", "carol"], inCall: ["alice", "bob"] },
  });
  await t.frame(t.alice.session, "call:end", { to: "bob" });
  assert.deepEqual(carol.take(), [
    {
      type: "presence:update",
      payload: { userId: "alice", online: true, inCall: false },
    },
    {
      type: "presence:update",
      payload: { userId: "bob", online: true, inCall: false },
    },
  ]);
});

Deno.test("a caller who cancels reaches each of the callee's ringing devices once", async () => {
  const t = await ringingTwoDevices();
  const { alice, phone, laptop } = t;
  await t.frame(alice.session, "call:end", { to: "bob" });
  for (const device of [phone, laptop]) {
    assert.deepEqual(device.socket.take(), [
      {
        type: "call:end",
        payload: { to: "bob", from: "alice", reason: "cancelled" },
      },
    ]);
  }
});

Deno.test("heartbeat sessions that go silent are closed; the ones that ping stay", async () => {
  const timers = new ManualTimers();
  let now = 0;
  const hub = new SignalingHub({
    ...AT_ONCE,
    ringTimeoutMs: RING_MS,
    heartbeatTimeoutMs: 3_000,
    now: () => now,
    timers: { set: timers.setTimeout, clear: timers.clearTimeout },
  });
  const chatty = new FakeSocket();
  const silent = new FakeSocket();
  const other = new FakeSocket();
  const chattySession = hub.connect("alice", chatty, { heartbeat: true });
  hub.connect("bob", silent, { heartbeat: true });
  hub.connect("carol", other);
  for (let second = 1; second <= 4; second++) {
    now = second * 1_000;
    await hub.receive(
      chattySession,
      JSON.stringify({ type: "ping", payload: {} }),
    );
    timers.advance(1_000);
    await tick();
  }
  assert.deepEqual(silent.closed, {
    code: CLOSE_CODES.silent,
    reason: "no heartbeat",
  });
  assert.equal(chatty.closed, null);
  assert.equal(
    other.closed,
    null,
    "a socket without heartbeat is the socket's own business",
  );
});
