import assert from "node:assert/strict";
import { ringingCall } from "../../tests/support/calls.ts";
import type {
  PushStore,
  PushSubscriptionRecord,
} from "../accounts/push_store.ts";
import type { PushMessage } from "./push_message.ts";
import type { PushOutcome, PushSender } from "./push_sender.ts";
import { PushRinging } from "./push_ringing.ts";

const call = ringingCall("alice", "bob");

const browser: PushSubscriptionRecord = {
  v: 1,
  userId: "bob",
  endpointHash: "h1",
  endpoint: "https://push.example.org/1",
  keys: { p256dh: "p", auth: "a" },
  signIn: "s",
  device: "Firefox on Linux",
  origin: "https://call.example.org",
  createdAt: 0,
};

/** bob's one browser, a sender that takes `ringMs` for a ring, and what it sent in order. */
function rig(ringMs: number, outcome: PushOutcome = "sent") {
  const sent: PushMessage[] = [];
  const removed: string[] = [];
  const store = {
    list: () => Promise.resolve([browser]),
    remove: (_user: string, hash: string) => {
      removed.push(hash);
      return Promise.resolve(true);
    },
  } as unknown as PushStore;
  const sender = {
    async send(_record: PushSubscriptionRecord, message: PushMessage) {
      if (message.kind === "ring") {
        await new Promise((resolve) => setTimeout(resolve, ringMs));
      }
      sent.push(message);
      return outcome;
    },
  } as unknown as PushSender;
  const reports: string[] = [];
  const ringing = new PushRinging({
    store: () => store,
    sender: () => Promise.resolve(sender),
    report: {
      pushed: (kind, outcome) => reports.push(`${kind}:${outcome}`),
      removed: (user) => reports.push(`removed:${user}`),
      failed: (operation) => reports.push(`failed:${operation}`),
    },
    now: () => 0,
  });
  return { ringing, sent, removed, reports };
}

/** Waits until `done` holds, 2 s at most. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!done() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

Deno.test("push ringing: a ring's end is pushed after its ring, even when the ring is slow", async () => {
  const { ringing, sent } = rig(100);
  ringing.ring(call, 60_000);
  ringing.stop(call, "declined");
  await until(() => sent.length === 2);
  assert.deepEqual(sent.map((message) => message.kind), ["ring", "stop"]);
  assert.deepEqual(sent[0], {
    kind: "ring",
    call: call.id,
    from: "alice",
    video: true,
    until: 60_000,
  });
  assert.deepEqual(sent[1], {
    kind: "stop",
    call: call.id,
    from: "alice",
    missed: false,
  });
});

Deno.test("push ringing: missed for no answer and a caller who gave up, not for an answer, a decline or glare", async () => {
  for (
    const [reason, missed] of [
      ["no-answer", true],
      ["cancelled", true],
      ["answered-elsewhere", false],
      ["declined", false],
      ["glare", false],
      ["busy", false],
    ] as const
  ) {
    const { ringing, sent } = rig(0);
    ringing.stop(call, reason);
    await until(() => sent.length === 1);
    assert.equal((sent[0] as { missed: boolean }).missed, missed, reason);
  }
});

Deno.test("push ringing: a browser whose push service says it is gone is forgotten and reported", async () => {
  const { ringing, removed, reports } = rig(0, "gone");
  ringing.ring(call, 60_000);
  await until(() => reports.length === 2);
  assert.deepEqual(removed, ["h1"]);
  assert.deepEqual(reports, ["ring:gone", "removed:bob"]);
});
