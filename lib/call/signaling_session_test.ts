/**
 * The page's signaling session over a fake connector and manual timers:
 * sign-in, presence, ICE servers, heartbeat, reconnect with backoff, and
 * the closes that sign the page out for good.
 * @module
 */
import assert from "node:assert/strict";
import { CLOSE_CODES, type ServerMessage } from "../protocol.ts";
import { ManualTimers } from "../../tests/support/manual_timers.ts";
import type { Credentials, SignalingHandlers } from "./signaling_client.ts";
import {
  HEARTBEAT_MS,
  HEARTBEAT_TIMEOUT_MS,
  MAX_BACKOFF_MS,
  SignalingSession,
} from "./signaling_session.ts";

const ICE: RTCIceServer[] = [{ urls: "stun:127.0.0.1:3478" }];

/** A session signing in as alice, with each dial's handlers and what it sent. */
function session() {
  const timers = new ManualTimers();
  const dials: { credentials: Credentials; handlers: SignalingHandlers }[] = [];
  const sent: unknown[] = [];
  const heard: ServerMessage[] = [];
  const readies: boolean[] = [];
  const signedOut: string[] = [];
  const signaling = new SignalingSession({
    connect: (credentials, handlers) => {
      dials.push({ credentials, handlers });
      return { send: (message) => sent.push(message), close: () => {} };
    },
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    random: () => 0.5,
  }, {
    onMessage: (message) => heard.push(message),
    onReady: (resumed) => readies.push(resumed),
    onSignedOut: (sentence) => signedOut.push(sentence),
  });
  const server = (message: ServerMessage) =>
    dials.at(-1)!.handlers.onMessage(message);
  const ready = () =>
    server({
      type: "session:ready",
      payload: {
        userId: "alice",
        deviceId: signaling.deviceId,
        iceServers: ICE,
        iceTransportPolicy: "relay",
        presence: true,
      },
    });
  const drop = (code = 1006, reason = "") =>
    dials.at(-1)!.handlers.onClose(code, reason);
  signaling.open({ userId: "alice" });
  return {
    signaling,
    timers,
    dials,
    sent,
    heard,
    readies,
    signedOut,
    server,
    ready,
    drop,
  };
}

Deno.test("signaling session: sign-in takes the id, ICE servers and policy; a refresh replaces the servers and goes no further", () => {
  const s = session();
  assert.equal(s.signaling.state.value, "connecting");
  s.ready();
  assert.equal(s.signaling.state.value, "signed-in");
  assert.equal(s.signaling.selfId.value, "alice");
  assert.deepEqual(s.signaling.iceServers.value, ICE);
  assert.equal(s.signaling.iceTransportPolicy, "relay");
  assert.deepEqual(s.readies, [false]);
  const fresh = [{ urls: "turn:127.0.0.1:3478", username: "u" }];
  s.server({ type: "session:ice-servers", payload: { iceServers: fresh } });
  assert.deepEqual(s.signaling.iceServers.value, fresh);
  assert.deepEqual(s.heard, []);
});

Deno.test("signaling session: presence lists others only, and follows updates", () => {
  const s = session();
  s.ready();
  s.server({
    type: "presence:list",
    payload: { users: ["carol", "alice", "bob"], inCall: ["bob"] },
  });
  assert.deepEqual(s.signaling.online.value, ["bob", "carol"]);
  s.server({
    type: "presence:update",
    payload: { userId: "bob", online: true, inCall: false },
  });
  s.server({
    type: "presence:update",
    payload: { userId: "carol", online: false },
  });
  assert.deepEqual(s.signaling.online.value, ["bob"]);
  assert.deepEqual(s.signaling.inCall.value, []);
});

Deno.test("signaling session: a dropped socket reconnects with growing, capped backoff, same device, and says it resumed", () => {
  const s = session();
  s.ready();
  const waits: number[] = [];
  for (let attempt = 0; attempt < 8; attempt++) {
    s.drop();
    assert.equal(s.signaling.state.value, "reconnecting");
    const dialed = s.dials.length;
    let waited = 0;
    while (s.dials.length === dialed) {
      s.timers.advance(50);
      waited += 50;
    }
    waits.push(waited);
  }
  assert.ok(waits[1] > waits[0] && waits[2] > waits[1], `${waits}`);
  assert.ok(waits.every((ms) => ms <= MAX_BACKOFF_MS), `${waits}`);
  assert.ok(
    s.dials.every((dial) => dial.credentials.deviceId === s.signaling.deviceId),
  );
  s.ready();
  assert.deepEqual(s.readies, [false, true]);
});

Deno.test("signaling session: a silent server is taken for dead after the heartbeat's deadline; an answer keeps it", () => {
  const s = session();
  s.ready();
  s.timers.advance(HEARTBEAT_MS);
  assert.deepEqual(s.sent.at(-1), { type: "ping", payload: {} });
  s.server({ type: "pong", payload: {} });
  s.timers.advance(HEARTBEAT_TIMEOUT_MS);
  assert.equal(s.signaling.state.value, "signed-in");
  // The next ping goes out, and this time nothing answers it.
  s.timers.advance(HEARTBEAT_MS - HEARTBEAT_TIMEOUT_MS);
  assert.equal(s.sent.length, 2);
  s.timers.advance(HEARTBEAT_TIMEOUT_MS);
  assert.equal(s.signaling.state.value, "reconnecting");
});

Deno.test("signaling session: an expired token, a replaced device and a refused first dial sign out for good, each in words", () => {
  const cases: [number, string, RegExp][] = [
    [CLOSE_CODES.policy, "token expired", /sign-in has expired/],
    [CLOSE_CODES.replaced, "replaced", /signed in again elsewhere/],
  ];
  for (const [code, reason, sentence] of cases) {
    const s = session();
    s.ready();
    s.drop(code, reason);
    assert.equal(s.signaling.state.value, "signed-out");
    assert.match(s.signedOut[0], sentence);
    s.timers.advance(MAX_BACKOFF_MS * 2);
    assert.equal(s.dials.length, 1);
  }
  const s = session();
  s.drop();
  assert.deepEqual(s.signedOut, ["Could not reach the server."]);
});

Deno.test("signaling session: reconnecting now replaces a live connection at once, under the same device, and says it resumed", () => {
  const s = session();
  s.ready();
  s.signaling.reconnectNow();
  assert.equal(s.signaling.state.value, "reconnecting");
  assert.equal(s.dials.length, 2);
  assert.equal(s.dials[1].credentials.deviceId, s.signaling.deviceId);
  s.ready();
  assert.deepEqual(s.readies, [false, true]);
  // The old connection's late close changes nothing.
  s.dials[0].handlers.onClose(1006, "");
  assert.equal(s.signaling.state.value, "signed-in");
});

Deno.test("signaling session: what the page sends while reconnecting goes, in order, once the server has it back; signing out drops it", () => {
  const s = session();
  s.ready();
  s.drop();
  s.signaling.send({
    type: "call:end",
    payload: { to: "bob", reason: "hangup" },
  });
  s.timers.advance(MAX_BACKOFF_MS);
  const before = s.sent.length;
  s.ready();
  assert.deepEqual(s.sent.slice(before), [
    { type: "call:end", payload: { to: "bob", reason: "hangup" } },
    { type: "ping", payload: {} },
  ]);
  s.drop();
  s.signaling.send({ type: "ping", payload: {} });
  s.signaling.close();
  assert.equal(s.sent.length, before + 2);
});

Deno.test("signaling session: a hang-up on a connection that then dies unanswered goes again on the next; one a pong confirmed does not", () => {
  const hangUp = {
    type: "call:end",
    payload: { to: "bob", reason: "hangup" },
  } as const;
  const s = session();
  s.ready();
  s.signaling.send(hangUp);
  // It asks at once whether the server has it, not at the next heartbeat.
  assert.deepEqual(s.sent.at(-1), { type: "ping", payload: {} });
  s.timers.advance(HEARTBEAT_TIMEOUT_MS);
  assert.equal(s.signaling.state.value, "reconnecting");
  s.timers.advance(MAX_BACKOFF_MS);
  const before = s.sent.length;
  s.ready();
  assert.deepEqual(s.sent.slice(before), [hangUp, {
    type: "ping",
    payload: {},
  }]);
  // Answered this time: a later drop sends nothing again.
  s.server({ type: "pong", payload: {} });
  s.drop();
  s.timers.advance(MAX_BACKOFF_MS);
  const after = s.sent.length;
  s.ready();
  assert.deepEqual(s.sent.slice(after), []);
});
