import assert from "node:assert/strict";
import { ManualTimers } from "../../tests/support/manual_timers.ts";
import { PresenceFeed } from "./presence_feed.ts";
import type { Session } from "./session.ts";

/** Lets promises settle (the feed's snapshot is a promise). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A session whose socket keeps what it is sent and says how much it still holds. */
function session(userId: string) {
  const sent: unknown[] = [];
  const socket = {
    bufferedAmount: 0,
    send: (text: string) => void sent.push(JSON.parse(text)),
    close: () => {},
  };
  return {
    session: { userId, deviceId: userId, socket } as Session,
    socket,
    sent,
  };
}

Deno.test("presence feed: a session whose socket holds unsent data is sent nothing more until it drains, then the list as it is by then, once", async () => {
  const timers = new ManualTimers();
  const online = new Set(["alice", "bob"]);
  const alice = session("alice");
  const bob = session("bob");
  const feed = new PresenceFeed(
    {
      sessions: () => [alice.session, bob.session],
      snapshot: () => Promise.resolve({ users: [...online], inCall: [] }),
      failed: () => {},
    },
    { set: timers.setTimeout, clear: timers.clearTimeout },
    250,
  );
  const window = async () => {
    timers.advance(250);
    await settle();
  };
  void feed.joined(alice.session);
  void feed.joined(bob.session);
  await window();
  alice.sent.length = bob.sent.length = 0;

  bob.socket.bufferedAmount = 40_000;
  for (const userId of ["carol", "dave"]) {
    online.add(userId);
    feed.change({ userId, online: true });
    await window();
  }
  online.delete("carol");
  feed.change({ userId: "carol", online: false });
  await window();
  assert.equal(alice.sent.length, 3, "alice heard every change");
  assert.deepEqual(bob.sent, [], "bob, behind, was sent nothing");

  await window();
  assert.deepEqual(bob.sent, [], "still behind, with no change to send");
  bob.socket.bufferedAmount = 0;
  await window();
  assert.deepEqual(bob.sent, [{
    type: "presence:list",
    payload: { users: ["alice", "bob", "dave"], inCall: [] },
  }]);
  online.add("erin");
  feed.change({ userId: "erin", online: true });
  await window();
  assert.deepEqual(bob.sent.slice(1), [{
    type: "presence:update",
    payload: { userId: "erin", online: true },
  }]);
  assert.equal(timers.size, 0, "no window waits once nobody is behind");
});
