/**
 * The data channel's messages: chat lines both ways, capped; the peer's
 * media state read defensively; what a peer that misbehaves sends ignored.
 * @module
 */
import assert from "node:assert/strict";
import { MAX_CHAT_LENGTH, PeerChannel } from "./peer_channel.ts";

/** A link that takes everything, recording it; `open` false refuses. */
function sender(open = true) {
  const sent: unknown[] = [];
  return {
    sent,
    sendToPeer: (message: unknown) => open && sent.push(message) > 0,
  };
}

Deno.test("peer channel: chat is trimmed and capped, and shown only when it went", () => {
  const channel = new PeerChannel();
  const link = sender();
  assert.equal(channel.sendChat(link, "   "), false);
  assert.equal(channel.sendChat(sender(false), "hello"), false);
  assert.equal(channel.sendChat(null, "hello"), false);
  assert.equal(channel.sendChat(link, `  ${"x".repeat(3_000)} `), true);
  assert.deepEqual(link.sent, [{
    type: "chat",
    text: "x".repeat(MAX_CHAT_LENGTH),
  }]);
  assert.deepEqual(
    channel.chat.value.map(({ mine, text }) => [mine, text.length]),
    [
      [true, MAX_CHAT_LENGTH],
    ],
  );
});

Deno.test("peer channel: the peer's chat and state are read; anything else is ignored", () => {
  const channel = new PeerChannel();
  channel.receive({ type: "chat", text: "hi" });
  channel.receive({ type: "chat", text: 42 });
  channel.receive("not an object");
  channel.receive({ type: "state", muted: true, cameraOff: "yes" });
  assert.deepEqual(channel.chat.value.map(({ mine, text }) => [mine, text]), [
    [false, "hi"],
  ]);
  assert.deepEqual(channel.peerState.value, {
    muted: true,
    cameraOff: false,
    sharing: false,
    recording: false,
  });
  channel.reset();
  assert.deepEqual(channel.chat.value, []);
  assert.equal(channel.peerState.value.muted, false);
});

Deno.test("peer channel: this side's state goes to the peer as one message", () => {
  const channel = new PeerChannel();
  const link = sender();
  const state = {
    muted: true,
    cameraOff: false,
    sharing: true,
    recording: false,
  };
  channel.publish(link, state);
  assert.deepEqual(link.sent, [{ type: "state", ...state }]);
});
