import assert from "node:assert/strict";
import fc from "fast-check";
import { SignalingHub } from "./hub.ts";
import { type ServerMessage } from "../../wire/protocol.ts";
import { RELAYED_TYPES } from "../../wire/protocol.ts";
import { FakeSocket } from "../../../tests/support/fake_socket.ts";
import { ManualTimers } from "../../../tests/support/manual_timers.ts";
import { DEFAULT_LIMITS } from "../rate_limit.ts";

const USERS = ["alice", "bob", "carol", "dave", "erin"];

/** alice and bob in a call, carol ringing dave, erin free, and mallory, whose frames are arbitrary. */
async function world() {
  const timers = new ManualTimers();
  const hub = new SignalingHub({
    ringTimeoutMs: 60_000,
    timers: { set: timers.setTimeout, clear: timers.clearTimeout },
    // Generous limits, so that the frames explore routing rather than the rate limiter.
    limits: {
      ...DEFAULT_LIMITS,
      messageBurst: 10_000,
      callRequestBurst: 10_000,
    },
    now: () => 0,
  });
  const sockets = new Map<string, FakeSocket>();
  const sessions = new Map(
    [...USERS, "mallory"].map((id) => {
      const socket = new FakeSocket();
      sockets.set(id, socket);
      // Every device prepares calls: mallory's early offers to erin, whom it rings, reach her.
      return [id, hub.connect(id, socket, { prepares: true })!];
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 0));
  const send = (from: string, type: string, payload: Record<string, unknown>) =>
    hub.receive(sessions.get(from)!, JSON.stringify({ type, payload }));
  await send("alice", "call:request", {
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  await send("bob", "call:response", { to: "alice", accepted: true });
  await send("carol", "call:request", {
    to: "dave",
    hasVideo: false,
    hasAudio: true,
  });
  for (const socket of sockets.values()) socket.take();
  return { hub, sockets, mallory: sessions.get("mallory")! };
}

const addressee = fc.oneof(
  fc.constantFrom(...USERS, "mallory", "nobody"),
  fc.string(),
);
const structured = fc.record({
  type: fc.oneof(fc.constantFrom(...RELAYED_TYPES), fc.string()),
  payload: fc.oneof(
    fc.record({
      to: addressee,
      from: fc.oneof(fc.constantFrom(...USERS), fc.jsonValue()),
      hasVideo: fc.oneof(fc.boolean(), fc.jsonValue()),
      hasAudio: fc.boolean(),
      accepted: fc.oneof(fc.boolean(), fc.jsonValue()),
      offer: fc.oneof(
        fc.record({
          type: fc.constantFrom("offer", "answer"),
          sdp: fc.string(),
        }),
        fc.jsonValue(),
      ),
      answer: fc.record({
        type: fc.constantFrom("offer", "answer"),
        sdp: fc.string(),
      }),
      candidate: fc.oneof(
        fc.record({ candidate: fc.string(), sdpMid: fc.string() }),
        fc.jsonValue(),
      ),
      reason: fc.oneof(
        fc.constantFrom("hangup", "cancelled", "declined", "busy"),
        fc.string(),
      ),
    }, { requiredKeys: [] }),
    fc.jsonValue(),
  ),
}, { requiredKeys: [] }).map((message) => JSON.stringify(message));

const spoofable = { from: fc.constantFrom(...USERS) };
const description = (type: "offer" | "answer") =>
  fc.record({ type: fc.constant(type), sdp: fc.string() });
const wellFormed = fc.oneof(
  fc.record({
    type: fc.constant("call:request"),
    payload: fc.record({
      ...spoofable,
      to: addressee,
      hasVideo: fc.boolean(),
      hasAudio: fc.boolean(),
    }, {
      requiredKeys: ["to", "hasVideo", "hasAudio"],
    }),
  }),
  fc.record({
    type: fc.constant("call:response"),
    payload: fc.record(
      { ...spoofable, to: addressee, accepted: fc.boolean() },
      { requiredKeys: ["to", "accepted"] },
    ),
  }),
  fc.record({
    type: fc.constant("webrtc:offer"),
    payload: fc.record({ to: addressee, offer: description("offer") }),
  }),
  fc.record({
    type: fc.constant("webrtc:answer"),
    payload: fc.record({ to: addressee, answer: description("answer") }),
  }),
  fc.record({
    type: fc.constant("webrtc:candidate"),
    payload: fc.record({
      to: addressee,
      candidate: fc.record({ candidate: fc.string(), sdpMid: fc.string() }),
    }),
  }),
  fc.record({
    type: fc.constant("call:end"),
    payload: fc.record({ ...spoofable, to: addressee }, {
      requiredKeys: ["to"],
    }),
  }),
).map((message) => JSON.stringify(message));

// Calls to the one free user, and to one who is offline, are rare among random
// frames; these make deliveries and peer-unavailable common.
const callUser = (to: string) =>
  fc.record({ hasVideo: fc.boolean(), hasAudio: fc.boolean() })
    .map((media) =>
      JSON.stringify({ type: "call:request", payload: { to, ...media } })
    );

const frame = fc.oneof(
  callUser("erin"),
  callUser("nobody"),
  wellFormed,
  structured,
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ unit: "binary" }),
  fc.uint8Array({ maxLength: 64 }),
);

Deno.test("arbitrary frames from one client: never a crash, never a third party, always one answer", async () => {
  const outcomes = new Set<string>();
  await fc.assert(
    fc.asyncProperty(
      fc.array(frame, { minLength: 1, maxLength: 25 }),
      async (frames) => {
        const { hub, sockets, mallory } = await world();
        for (const data of frames) {
          await hub.receive(mallory, data);
          const received = new Map<string, ServerMessage[]>(
            [...sockets].map(([id, socket]) => [id, socket.take()]),
          );
          const toMallory = received.get("mallory")!;
          const deliveries = [...received].filter(([id, messages]) =>
            id !== "mallory" && messages.length > 0
          );
          if (toMallory.length > 0) {
            assert.equal(toMallory.length, 1, "one answer to the sender");
            assert.ok(["error", "call:response"].includes(toMallory[0].type));
            assert.deepEqual(
              deliveries,
              [],
              "an answered frame reaches nobody else",
            );
            const [answer] = toMallory;
            outcomes.add(
              answer.type === "error" ? answer.payload.code : answer.type,
            );
          } else {
            assert.equal(
              deliveries.length,
              1,
              "an unanswered frame is delivered once",
            );
            const [[recipient, [message]]] = deliveries;
            assert.equal(received.get(recipient)!.length, 1);
            const sent = JSON.parse(data as string);
            assert.equal(
              recipient,
              sent.payload.to,
              "delivered to the addressee only",
            );
            assert.equal(
              (message.payload as { from: string }).from,
              "mallory",
              "from is stamped",
            );
            outcomes.add(`delivered ${message.type}`);
          }
          assert.equal(sockets.get("mallory")!.closed, null);
          assert.equal(
            hub.calls.between("alice", "bob")?.phase,
            "active",
            "the call beside is undisturbed",
          );
        }
      },
    ),
    { numRuns: 300 },
  );
  // The frames reached every kind of outcome, so the property was not tested vacuously.
  for (
    const outcome of [
      "invalid-json",
      "invalid-message",
      "unknown-type",
      "binary-frame",
      "not-in-call",
      "peer-unavailable",
      "delivered call:request",
    ]
  ) {
    assert.ok(
      outcomes.has(outcome),
      `no frame led to ${outcome}; outcomes: ${[...outcomes]}`,
    );
  }
});
