import assert from "node:assert/strict";
import { ManualTimers } from "../../tests/support/manual_timers.ts";
import { CLOSE_CODES } from "../wire/protocol.ts";
import { DELIVERY_LIMITS, UNACKED_DEADLINE_MS } from "../wire/delivery_log.ts";
import { DeliveryLinks, SERVER_ACK_DELAY_MS } from "./delivery_links.ts";

/** A socket that keeps what it is sent and how it was closed. */
function socket() {
  const sent: string[] = [];
  const closes: [number, string][] = [];
  return {
    sent,
    closes,
    send: (text: string) => void sent.push(text),
    close: (code: number, reason: string) => void closes.push([code, reason]),
  };
}

const end = '{"type":"call:end","payload":{"from":"bob","to":"alice"}}';
const presence =
  '{"type":"presence:update","payload":{"userId":"bob","online":true}}';

/** A delivery session on manual time, opened on its first socket. */
function link() {
  const timers = new ManualTimers();
  const links = new DeliveryLinks(
    { set: timers.setTimeout, clear: timers.clearTimeout },
    60_000,
    () => timers.now,
  );
  const first = socket();
  return {
    timers,
    first,
    link: links.open("alice", "tab", null, 0, first).link,
  };
}

Deno.test("delivery link: a call's messages are numbered and kept, presence is not; an ack rides on the next frame", () => {
  const { link: l, first } = link();
  l.send(end);
  l.send(presence);
  assert.deepEqual(first.sent, [`{"seq":1,${end.slice(1)}`, presence]);
  assert.equal(l.arrived("call:end", 1), true);
  assert.equal(l.arrived("call:end", 1), false, "a duplicate");
  l.send(presence);
  assert.equal(first.sent.at(-1), `{"ack":1,${presence.slice(1)}`);
});

Deno.test("delivery link: the next socket gets again, in order, what the page did not acknowledge", () => {
  const { link: l, first } = link();
  for (let i = 0; i < 3; i++) l.send(end);
  l.arrived("ack", undefined, 1);
  l.detach(first);
  l.send(end); // while the device has no socket
  const next = socket();
  l.attach(next, 2);
  l.replay();
  assert.deepEqual(next.sent, [
    `{"seq":3,${end.slice(1)}`,
    `{"seq":4,${end.slice(1)}`,
  ]);
});

Deno.test("delivery link: the page's messages are acknowledged within 1 s; an ack request is answered at once", () => {
  const { link: l, timers, first: page } = link();
  l.arrived("webrtc:candidate", 1);
  timers.advance(SERVER_ACK_DELAY_MS - 1);
  l.arrived("webrtc:candidate", 2);
  assert.deepEqual(page.sent, [], "a frame to the page may yet carry it");
  timers.advance(1_000 - SERVER_ACK_DELAY_MS + 1);
  assert.deepEqual(page.sent, ['{"ack":2,"type":"ack","payload":{}}']);
  l.acknowledgeNow();
  assert.equal(page.sent.length, 2);
});

Deno.test("delivery link: a socket that leaves a message unacknowledged is asked after 2 s and written to no more after 2 s more, until it speaks again; one that answers is kept", () => {
  const { link: l, timers, first: live } = link();
  l.send(end);
  timers.advance(UNACKED_DEADLINE_MS);
  assert.equal(live.sent.at(-1), '{"type":"ack","payload":{"request":true}}');
  l.arrived("ack", undefined, 1);
  timers.advance(UNACKED_DEADLINE_MS);
  timers.advance(UNACKED_DEADLINE_MS);
  assert.deepEqual(live.closes, []);
  l.send(end);
  timers.advance(UNACKED_DEADLINE_MS);
  timers.advance(UNACKED_DEADLINE_MS);
  const written = live.sent.length;
  l.send(end);
  assert.equal(live.sent.length, written, "nothing more is written into it");
  assert.deepEqual(
    live.closes,
    [],
    "whether the device is gone, the hub decides",
  );
  // It was only slow: it speaks, and gets what it missed, in order.
  l.arrived("ack", undefined, 1);
  assert.deepEqual(live.sent.slice(written), [
    `{"seq":2,${end.slice(1)}`,
    `{"seq":3,${end.slice(1)}`,
  ]);
});

Deno.test("delivery link: a page that answers the ack request without the oldest message (a relay dropped it) gets it again at once, in order, on the same socket", () => {
  const { link: l, timers, first: live } = link();
  for (let i = 0; i < 3; i++) l.send(end);
  l.arrived("ack", undefined, 1);
  timers.advance(UNACKED_DEADLINE_MS);
  assert.equal(live.sent.at(-1), '{"type":"ack","payload":{"request":true}}');
  const asked = live.sent.length;
  // The page took the first only: the second never reached it.
  l.arrived("ack", undefined, 1);
  assert.deepEqual(live.sent.slice(asked), [
    `{"seq":2,${end.slice(1)}`,
    `{"seq":3,${end.slice(1)}`,
  ]);
  l.arrived("ack", undefined, 3);
  const after = live.sent.length;
  timers.advance(UNACKED_DEADLINE_MS * 3);
  assert.deepEqual(live.sent.slice(after), [], "nothing waits any more");
});

Deno.test("delivery link: past what a session holds it is reset and the socket closed with 4429", () => {
  const { link: l, first: stuck } = link();
  for (let i = 0; i <= DELIVERY_LIMITS.messages; i++) l.send(end);
  assert.deepEqual(stuck.closes, [[CLOSE_CODES.backlog, "delivery backlog"]]);
});

Deno.test("delivery links: a session is resumed by its id within the grace, and forgotten after it; a wrong id starts a new one", () => {
  const timers = new ManualTimers();
  const links = new DeliveryLinks(
    { set: timers.setTimeout, clear: timers.clearTimeout },
    1_000,
  );
  const first = socket();
  const opened = links.open("alice", "tab", null, 0, first);
  assert.equal(opened.info.resumed, false);
  opened.link.send(end);
  links.closed("alice", "tab", opened.link, first);
  links.parked("alice", "tab")!.send(end);
  const again = socket();
  const resumed = links.open("alice", "tab", opened.info.session, 0, again);
  assert.equal(resumed.info.resumed, true);
  resumed.link.replay();
  assert.equal(again.sent.length, 2);
  links.closed("alice", "tab", resumed.link, again);
  timers.advance(1_000);
  assert.equal(links.size, 0);
  assert.equal(links.parked("alice", "tab"), undefined);
  const late = links.open("alice", "tab", opened.info.session, 0, socket());
  assert.equal(late.info.resumed, false);
  const forged = links.open("alice", "tab", "someone-else's", 0, socket());
  assert.equal(forged.info.resumed, false);
  assert.notEqual(forged.info.session, late.info.session);
});
