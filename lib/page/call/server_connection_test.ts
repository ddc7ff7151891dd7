/**
 * The page's connection to the signaling server over a fake connector and manual timers:
 * sign-in, presence, ICE servers, heartbeat, reconnect with backoff, and
 * the closes that sign the page out for good.
 * @module
 */
import assert from "node:assert/strict";
import {
  CLOSE_CODES,
  type DeliverySessionInfo,
  type ServerMessage,
} from "../../wire/protocol.ts";
import { ManualTimers } from "../../../tests/support/manual_timers.ts";
import type {
  Credentials,
  ServerFrame,
  SignalingHandlers,
} from "./signaling_client.ts";
import { ACK_DELAY_MS, UNACKED_DEADLINE_MS } from "../../wire/delivery_log.ts";
import {
  DIAL_MS,
  HEARTBEAT_MS,
  HEARTBEAT_TIMEOUT_MS,
  MAX_BACKOFF_MS,
  URGENT_BACKOFF_MS,
  URGENT_DIAL_MS,
  URGENT_HEARTBEAT_MS,
} from "./reconnect_timing.ts";
import { ServerConnection } from "./server_connection.ts";

const ICE: RTCIceServer[] = [{ urls: "stun:127.0.0.1:3478" }];

/** A session signing in as alice, with each dial's handlers and what it sent; `urgent` while a call is under way. */
function session(urgent = false) {
  const timers = new ManualTimers();
  const dials: { credentials: Credentials; handlers: SignalingHandlers }[] = [];
  const sent: unknown[] = [];
  const heard: ServerMessage[] = [];
  const readies: boolean[] = [];
  const signedOut: string[] = [];
  const signaling = new ServerConnection({
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
    urgent: () => urgent,
  });
  const server = (frame: ServerFrame) =>
    dials.at(-1)!.handlers.onMessage(frame);
  const ready = (delivery?: DeliverySessionInfo) =>
    server({
      type: "session:ready",
      payload: {
        userId: "alice",
        deviceId: signaling.deviceId,
        iceServers: ICE,
        iceTransportPolicy: "relay",
        presence: true,
        ...(delivery && { delivery }),
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

Deno.test("server connection: sign-in takes the id, ICE servers and policy; a refresh replaces the servers and goes no further", () => {
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

Deno.test("server connection: presence lists others only, and follows updates", () => {
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

Deno.test("server connection: a list in parts is gathered and shown at its last part, the changes that came meanwhile after it; a socket that died mid-list starts over", () => {
  const s = session();
  s.ready();
  s.server({
    type: "presence:list",
    payload: { users: ["dave"], inCall: [] },
  });
  s.server({
    type: "presence:list",
    payload: { users: ["erin", "frank"], inCall: [], part: 0, parts: 2 },
  });
  s.drop();
  s.timers.advance(60_000);
  s.ready();
  s.server({
    type: "presence:list",
    payload: { users: ["carol", "alice"], inCall: [], part: 0, parts: 2 },
  });
  s.server({
    type: "presence:update",
    payload: { userId: "carol", online: true, inCall: true },
  });
  s.server({
    type: "presence:update",
    payload: { userId: "dave", online: true },
  });
  assert.deepEqual(s.signaling.online.value, ["dave"], "not before the last");
  s.server({
    type: "presence:list",
    payload: { users: ["bob"], inCall: ["bob"], part: 1, parts: 2 },
  });
  assert.deepEqual(s.signaling.online.value, ["bob", "carol", "dave"]);
  assert.deepEqual(s.signaling.inCall.value.sort(), ["bob", "carol"]);
});

Deno.test("server connection: a dropped socket reconnects with growing, capped backoff, same device, and says it resumed", () => {
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

Deno.test("server connection: a silent server is taken for dead after the heartbeat's deadline; an answer keeps it", () => {
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

Deno.test("server connection: an expired token, a replaced device and a refused first dial sign out for good, each in words", () => {
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

Deno.test("server connection: reconnecting now replaces a live connection at once, under the same device, and says it resumed", () => {
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

const hangUp = {
  type: "call:end",
  payload: { to: "bob", reason: "hangup" },
} as const;
const candidate = {
  type: "webrtc:candidate",
  payload: { to: "bob", candidate: { candidate: "" } },
} as const;

Deno.test("server connection: a call's messages are numbered and kept until acknowledged; a resumed session sends again exactly what the server lacks, in order", () => {
  const s = session();
  s.ready({ session: "s1", received: 0, resumed: false });
  s.signaling.send(hangUp);
  s.signaling.send(candidate);
  s.signaling.send({ type: "ping", payload: {} });
  assert.deepEqual(s.sent.slice(-3), [
    { seq: 1, ...hangUp },
    { seq: 2, ...candidate },
    { type: "ping", payload: {} },
  ]);
  // The server took the first; the socket dies before it acknowledges the second.
  s.server({ ack: 1, type: "pong", payload: {} });
  s.drop();
  s.signaling.send(hangUp);
  s.timers.advance(MAX_BACKOFF_MS);
  assert.deepEqual(s.dials.at(-1)!.credentials.resume, {
    session: "s1",
    received: 0,
  });
  const before = s.sent.length;
  s.ready({ session: "s1", received: 1, resumed: true });
  assert.deepEqual(s.sent.slice(before), [
    { seq: 2, ...candidate },
    { seq: 3, ...hangUp },
  ]);
  s.server({ ack: 3, type: "pong", payload: {} });
  s.drop();
  s.timers.advance(MAX_BACKOFF_MS);
  const after = s.sent.length;
  // Resumed on another instance, under that one's id: the next socket names it.
  s.ready({ session: "s2", received: 3, resumed: true });
  assert.deepEqual(s.sent.slice(after), [], "nothing acknowledged goes again");
  s.drop();
  s.timers.advance(MAX_BACKOFF_MS);
  assert.equal(s.dials.at(-1)!.credentials.resume?.session, "s2");
});

Deno.test("server connection: what the server answers a ping without acknowledging (it refused a frame, or a relay dropped one) goes again on the same socket, in order", () => {
  const s = session();
  s.ready({ session: "s1", received: 0, resumed: false });
  s.signaling.send(candidate);
  s.signaling.send(hangUp);
  // The server took neither: the first was refused at its rate limit, the second held behind it.
  const dials = s.dials.length;
  s.timers.advance(UNACKED_DEADLINE_MS);
  assert.deepEqual(s.sent.at(-1), { type: "ping", payload: {} });
  const before = s.sent.length;
  s.server({ type: "pong", payload: {} });
  assert.deepEqual(s.sent.slice(before), [
    { seq: 1, ...candidate },
    { seq: 2, ...hangUp },
  ]);
  assert.equal(s.dials.length, dials, "the socket lives: no new dial");
  // Acknowledged this time: nothing more goes, however long it waits.
  s.server({ ack: 2, type: "pong", payload: {} });
  const after = s.sent.length;
  s.timers.advance(UNACKED_DEADLINE_MS * 3);
  assert.deepEqual(
    s.sent.slice(after).filter((frame) => "seq" in (frame as object)),
    [],
  );
});

Deno.test("server connection: the server's messages are handled once each, in order, and acknowledged within 250 ms", () => {
  const s = session();
  s.ready({ session: "s1", received: 0, resumed: false });
  const ring = {
    type: "call:request",
    payload: { from: "bob", to: "alice", hasVideo: true, hasAudio: true },
  } as const;
  const end = {
    type: "call:end",
    payload: { from: "bob", to: "alice", reason: "cancelled" },
  } as const;
  s.server({ seq: 1, ...ring });
  s.server({ seq: 1, ...ring });
  s.server({ seq: 3, ...end });
  s.server({ seq: 2, ...end });
  assert.deepEqual(s.heard, [
    { seq: 1, ...ring },
    { seq: 2, ...end },
  ]);
  const before = s.sent.length;
  s.timers.advance(ACK_DELAY_MS);
  assert.deepEqual(s.sent.slice(before), [
    { ack: 2, type: "ack", payload: {} },
  ]);
  // An acknowledgement rides on the next frame when one goes first.
  s.server({ seq: 3, ...end });
  s.signaling.send(hangUp);
  assert.deepEqual(s.sent.at(-1), { seq: 1, ack: 3, ...hangUp });
  s.timers.advance(ACK_DELAY_MS);
  assert.deepEqual(s.sent.at(-1), { seq: 1, ack: 3, ...hangUp }, "no ack owed");
  // The server asks for an acknowledgement: it gets one at once.
  s.server({ type: "ack", payload: { request: true } });
  assert.deepEqual(s.sent.at(-1), { ack: 3, type: "ack", payload: {} });
});

Deno.test("server connection: a socket that leaves a hang-up unacknowledged is pinged after 2 s and replaced after 2 s more; the hang-up goes on the next", () => {
  const s = session();
  s.ready({ session: "s1", received: 0, resumed: false });
  s.signaling.send(hangUp);
  s.timers.advance(UNACKED_DEADLINE_MS);
  assert.deepEqual(s.sent.at(-1), { type: "ping", payload: {} });
  assert.equal(s.signaling.state.value, "signed-in");
  s.timers.advance(UNACKED_DEADLINE_MS);
  assert.equal(s.signaling.state.value, "reconnecting");
  s.timers.advance(MAX_BACKOFF_MS);
  const before = s.sent.length;
  s.ready({ session: "s1", received: 0, resumed: true });
  assert.deepEqual(s.sent.slice(before), [{ seq: 1, ...hangUp }]);
});

Deno.test("server connection: a session the server could not resume starts anew with what was unacknowledged; a reset (4429) names none; signing out drops all", () => {
  const s = session();
  s.ready({ session: "s1", received: 0, resumed: false });
  s.server({ seq: 1, type: "calls:missed", payload: { count: 1 } });
  s.signaling.send(hangUp);
  s.drop();
  s.signaling.send(candidate);
  s.timers.advance(MAX_BACKOFF_MS);
  const before = s.sent.length;
  // The server restarted: it has no session s1.
  s.ready({ session: "s2", received: 0, resumed: false });
  assert.deepEqual(s.sent.slice(before), [
    { seq: 1, ...hangUp },
    { seq: 2, ...candidate },
  ]);
  s.server({ seq: 1, type: "calls:missed", payload: { count: 0 } });
  assert.equal(
    s.signaling.missedCalls.value,
    0,
    "numbered anew: not a duplicate",
  );
  s.drop(CLOSE_CODES.backlog, "delivery backlog");
  s.timers.advance(MAX_BACKOFF_MS);
  assert.equal(s.dials.at(-1)!.credentials.resume, undefined);
  s.ready({ session: "s3", received: 0, resumed: false });
  s.drop();
  s.signaling.send(hangUp);
  s.signaling.close();
  const after = s.sent.length;
  s.timers.advance(MAX_BACKOFF_MS);
  assert.equal(s.sent.length, after);
});

Deno.test("server connection: retrying now dials at once while reconnecting, and does nothing otherwise", () => {
  const s = session();
  s.ready({ session: "s1", received: 0, resumed: false });
  s.signaling.retryNow();
  assert.equal(s.dials.length, 1, "signed in: nothing to retry");
  s.drop();
  s.timers.advance(MAX_BACKOFF_MS);
  s.drop();
  assert.equal(s.dials.length, 2);
  s.signaling.retryNow();
  assert.equal(s.dials.length, 3, "dialled without waiting out the backoff");
  // That dial waits on a network that was gone: it is made anew, and only the new one counts.
  const stale = s.dials.at(-1)!;
  s.signaling.retryNow();
  assert.equal(s.dials.length, 4);
  stale.handlers.onClose(1006, "");
  assert.equal(s.signaling.state.value, "reconnecting");
  s.ready({ session: "s1", received: 0, resumed: true });
  assert.equal(s.signaling.state.value, "signed-in");
});

Deno.test("server connection: during a call it reconnects at least every 0.5 s, and a dial not open in 2 s is made anew", () => {
  const s = session(true);
  s.ready({ session: "s1", received: 0, resumed: false });
  for (let i = 0; i < 6; i++) {
    s.drop();
    s.timers.advance(URGENT_BACKOFF_MS);
  }
  assert.equal(s.dials.length, 7, "no backoff past half a second");
  // This dial hangs (the network is gone): it is given up and made anew.
  s.timers.advance(URGENT_DIAL_MS);
  assert.equal(s.signaling.state.value, "reconnecting");
  s.timers.advance(URGENT_BACKOFF_MS);
  assert.equal(s.dials.length, 8);
  s.ready({ session: "s1", received: 0, resumed: true });
  s.timers.advance(URGENT_DIAL_MS);
  assert.equal(s.signaling.state.value, "signed-in", "an open dial is kept");
});

Deno.test("server connection: during a call the server is checked every 5 s, and a silent one replaced 2 s later", () => {
  const s = session(true);
  s.ready({ session: "s1", received: 0, resumed: false });
  s.timers.advance(URGENT_HEARTBEAT_MS);
  assert.deepEqual(s.sent.at(-1), { type: "ping", payload: {} });
  s.timers.advance(UNACKED_DEADLINE_MS);
  assert.equal(s.signaling.state.value, "reconnecting");
});

Deno.test("server connection: a dial that never opens is given up after 10 s: the first one signs out in words, a later one is made anew", () => {
  const s = session();
  s.timers.advance(DIAL_MS);
  assert.equal(s.signaling.state.value, "signed-out");
  assert.deepEqual(s.signedOut, ["Could not reach the server."]);
  const again = session();
  again.ready({ session: "s1", received: 0, resumed: false });
  again.drop();
  again.timers.advance(MAX_BACKOFF_MS);
  assert.equal(again.dials.length, 2);
  again.timers.advance(DIAL_MS);
  assert.equal(again.signaling.state.value, "reconnecting");
  again.timers.advance(MAX_BACKOFF_MS);
  assert.equal(again.dials.length, 3);
});
