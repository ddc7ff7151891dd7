import assert from "node:assert/strict";
import { hubTimers, ManualTimers } from "../../tests/support/manual_timers.ts";
import {
  ListSender,
  ListTexts,
  PRESENCE_LIST_PART_USERS,
} from "./presence_lists.ts";
import type { Session } from "./session.ts";

function session(userId: string, listsInParts: boolean) {
  const sent: unknown[] = [];
  const socket = {
    send: (text: string) => void sent.push(JSON.parse(text).payload),
    close: () => {},
  };
  return {
    session: { userId, deviceId: userId, socket, listsInParts } as Session,
    sent,
  };
}

const users = (count: number, prefix = "user") =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`);

Deno.test("presence lists: a long list goes in parts, one a turn, to a client that takes parts, each with its users in a call; whole at once to one that does not", () => {
  const timers = new ManualTimers();
  const sender = new ListSender(hubTimers(timers));
  const size = PRESENCE_LIST_PART_USERS;
  const everyone = users(2 * size + 50);
  const inCall = ["user3", `user${size + 7}`];
  const parts = session("parts", true);
  const whole = session("whole", false);
  const list = new ListTexts({ users: everyone, inCall });
  sender.send(parts.session, list);
  sender.send(whole.session, list);
  assert.deepEqual(whole.sent, [{ users: everyone, inCall }]);
  assert.deepEqual(parts.sent, [{
    users: everyone.slice(0, size),
    inCall: ["user3"],
    part: 0,
    parts: 3,
  }]);
  timers.advance(0);
  assert.equal(parts.sent.length, 2, "the next part a turn later");
  timers.advance(0);
  assert.deepEqual(parts.sent.slice(1), [
    {
      users: everyone.slice(size, 2 * size),
      inCall: [inCall[1]],
      part: 1,
      parts: 3,
    },
    { users: everyone.slice(2 * size), inCall: [], part: 2, parts: 3 },
  ]);
  assert.equal(timers.size, 0, "nothing waits once every part is sent");
  const short = session("short", true);
  sender.send(short.session, new ListTexts({ users: ["a", "b"], inCall: [] }));
  assert.deepEqual(short.sent, [{ users: ["a", "b"], inCall: [] }]);
});

Deno.test("presence lists: a list sent while another is under way starts over; a session that left is sent no more", () => {
  const timers = new ManualTimers();
  const sender = new ListSender(hubTimers(timers));
  const restarted = session("restarted", true);
  const gone = session("gone", true);
  const first = new ListTexts({ users: users(250, "old"), inCall: [] });
  const second = new ListTexts({ users: users(150, "new"), inCall: [] });
  sender.send(restarted.session, first);
  sender.send(gone.session, first);
  timers.advance(0);
  sender.send(restarted.session, second);
  sender.forget(gone.session);
  timers.advance(0);
  timers.advance(0);
  const parts = restarted.sent as { part: number; users: string[] }[];
  assert.deepEqual(parts.map((p) => [p.part, p.users[0]]), [
    [0, "old0"],
    [1, "old100"],
    [0, "new0"],
    [1, "new100"],
  ]);
  assert.equal(gone.sent.length, 2);
  sender.send(gone.session, first);
  sender.stop();
  timers.advance(0);
  assert.equal(gone.sent.length, 3, "stopped: no more parts");
});
