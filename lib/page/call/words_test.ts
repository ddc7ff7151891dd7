import assert from "node:assert/strict";
import { endSentence, type StatusFacts, statusSentence } from "./words.ts";

Deno.test("words: why a call ended, one sentence a reason", () => {
  assert.equal(
    endSentence("busy", "bob", "calling"),
    "bob is busy in another call.",
  );
  assert.equal(
    endSentence("no-answer", "bob", "calling"),
    "bob did not answer.",
  );
  assert.equal(
    endSentence("no-answer", "bob", "ringing"),
    "Missed call from bob.",
  );
  assert.equal(endSentence(undefined, "bob", "active"), "bob ended the call.");
});

Deno.test("words: the status line in each state", () => {
  const facts: StatusFacts = {
    state: "idle",
    peer: "bob",
    session: "signed-in",
    withVideo: true,
    connection: "connected",
    notice: "",
    selfId: "alice",
  };
  const status = (changes: Partial<StatusFacts>) =>
    statusSentence({ ...facts, ...changes });
  assert.equal(status({}), "Signed in as alice. Ready to call.");
  assert.equal(status({ state: "calling" }), "Calling bob…");
  assert.equal(
    status({ state: "calling", session: "reconnecting" }),
    "Calling bob… (reconnecting to the server…)",
  );
  assert.equal(
    status({ state: "ringing", withVideo: false }),
    "bob is calling you (audio)…",
  );
  assert.equal(status({ state: "active" }), "In call with bob");
  assert.equal(
    status({ state: "active", connection: "failed" }),
    "Reconnecting to bob…",
  );
  assert.equal(
    status({ state: "active", connection: "new" }),
    "Connecting to bob…",
  );
  assert.equal(
    status({ state: "ended", notice: "bob declined the call." }),
    "bob declined the call.",
  );
  assert.equal(status({ session: "signed-out" }), "Not signed in.");
});
