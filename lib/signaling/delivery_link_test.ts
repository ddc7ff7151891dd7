import assert from "node:assert/strict";
import { ManualTimers } from "../../tests/support/manual_timers.ts";
import { CLOSE_CODES } from "../wire/protocol.ts";
import { DELIVERY_LIMITS, UNACKED_DEADLINE_MS } from "../wire/delivery_log.ts";
import { DeliveryLinks, SERVER_ACK_DELAY_MS } from "./delivery_links.ts";
import { restoredLog } from "./delivery_link.ts";

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
    "here",
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
    "here",
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

Deno.test("delivery links: a session handed over to another instance leaves this one as it stood, closes its socket here, and what comes for the device after goes on there for the grace", () => {
  const timers = new ManualTimers();
  const manual = { set: timers.setTimeout, clear: timers.clearTimeout };
  const here = new DeliveryLinks(manual, 1_000, "here");
  const there = new DeliveryLinks(manual, 1_000, "there");
  const old = socket();
  const opened = here.open("alice", "tab", null, 0, old);
  assert.match(opened.info.session, /^here\.[\w-]{22}$/);
  opened.link.arrived("call:response", 1);
  opened.link.send(end);
  assert.equal(here.handOver("alice", "tab", "here.wrong", "there"), null);
  assert.equal(here.handOver("bob", "tab", opened.info.session, "there"), null);
  const state = here.handOver("alice", "tab", opened.info.session, "there")!;
  assert.deepEqual(state, {
    session: opened.info.session,
    sent: 1,
    received: 1,
    unacked: [{ seq: 1, message: end }],
  });
  assert.deepEqual(old.closes, [[
    CLOSE_CODES.replaced,
    "replaced by a newer connection",
  ]]);
  assert.equal(here.size, 0);
  assert.equal(here.movedTo("alice", "tab"), "there");

  assert.equal(there.adopt("alice", "tab", state), true);
  assert.equal(there.has("alice", "tab", opened.info.session), true);
  there.parked("alice", "tab")!.send(end);
  const back = socket();
  const resumed = there.open("alice", "tab", opened.info.session, 0, back);
  assert.equal(resumed.info.resumed, true);
  assert.equal(resumed.info.received, 1);
  assert.match(resumed.info.session, /^there\./, "under the new instance's id");
  assert.equal(there.has("alice", "tab", opened.info.session), false);
  assert.equal(there.has("alice", "tab", resumed.info.session), true);
  resumed.link.replay();
  assert.deepEqual(back.sent.map((text) => JSON.parse(text).seq), [1, 2]);

  timers.advance(1_000);
  assert.equal(here.movedTo("alice", "tab"), undefined, "only for the grace");
  assert.equal(there.size, 1, "the resumed session stays");
});

Deno.test("delivery link: a log taken up from a handed-over state numbers on, keeps what waits, and knows what it took; a state no session could hold is refused", () => {
  const state = {
    session: "there.x",
    sent: 3,
    received: 2,
    unacked: [{ seq: 2, message: "b" }, { seq: 3, message: "c" }],
  };
  const log = restoredLog(state)!;
  assert.deepEqual(log.unacked(), [
    { seq: 2, message: "b", size: 1 },
    { seq: 3, message: "c", size: 1 },
  ]);
  assert.equal(log.add("d", 1), 4);
  assert.equal(log.received, 2);
  assert.equal(log.ackDue, false, "the page hears `received` as it resumes");
  assert.equal(log.arrived(2), "duplicate");
  assert.equal(log.arrived(3), "next");
  const nothingWaits = restoredLog({ ...state, sent: 5, unacked: [] })!;
  assert.equal(nothingWaits.add("e", 1), 6);
  for (
    const bad of [
      { ...state, unacked: [{ seq: 1, message: "a" }] },
      { ...state, sent: 1 },
      { ...state, received: -1 },
    ]
  ) {
    assert.equal(restoredLog(bad), null, JSON.stringify(bad));
  }
  assert.equal(
    restoredLog(state, { messages: 1, bytes: 100 }),
    null,
    "more than the limits",
  );
});
