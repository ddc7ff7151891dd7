import assert from "node:assert/strict";
import { Registry } from "./registry.ts";
import type { Session } from "./session.ts";
import { FakeSocket } from "../../tests/support/fake_socket.ts";

const session = (userId: string, deviceId: string): Session => ({
  userId,
  deviceId,
  socket: new FakeSocket(),
});

Deno.test("registry: users on several devices, counted by device", () => {
  const registry = new Registry();
  const laptop = session("alice", "laptop");
  const phone = session("alice", "phone");
  assert.equal(registry.add(laptop), undefined);
  assert.equal(registry.add(phone), undefined);
  registry.add(session("bob", "tab"));
  assert.equal(registry.size, 3);
  assert.deepEqual(registry.users().sort(), ["alice", "bob"]);
  assert.deepEqual(registry.devices("alice"), [laptop, phone]);
  assert.equal(registry.get("alice", "phone"), phone);
  assert.equal([...registry.sessions()].length, 3);
  assert.ok(registry.remove(laptop));
  assert.ok(registry.has("alice"), "still on the phone");
  assert.ok(registry.remove(phone));
  assert.equal(registry.has("alice"), false);
  assert.equal(registry.size, 1);
});

Deno.test("registry: a device that connects again replaces its session; the old one's late removal changes nothing", () => {
  const registry = new Registry();
  const first = session("alice", "laptop");
  const again = session("alice", "laptop");
  registry.add(first);
  assert.equal(registry.add(again), first, "the replaced session is returned");
  assert.equal(registry.size, 1);
  assert.equal(registry.remove(first), false);
  assert.equal(registry.get("alice", "laptop"), again);
  assert.ok(registry.remove(again));
  assert.equal(registry.size, 0);
});
