import assert from "node:assert/strict";
import { ENDED_DISPLAY_MS } from "./call_machine.ts";
import { ICE_RECOVERY_MS, ICE_RESTART_AFTER_MS } from "./path_recovery.ts";
import { RECORDING_CUT_SHORT } from "./words.ts";
import {
  HEARTBEAT_MS,
  HEARTBEAT_TIMEOUT_MS,
  MAX_BACKOFF_MS,
  URGENT_BACKOFF_MS,
} from "./reconnect_timing.ts";
import type { ServerMessage } from "../../wire/protocol.ts";
import {
  FakeMediaStream,
  FakeTrack,
} from "../../../tests/support/fake_webrtc.ts";
import { memoryStore } from "../../../tests/support/memory_store.ts";
import {
  ICE,
  notSignedIn,
  type Setup,
  setup,
  setupWith,
} from "../../../tests/support/machine_fixture.ts";

/** Checks that a call left nothing running: tracks stopped, connections closed, idle after the pause. */
function assertReleased(t: Setup) {
  assert.equal(t.machine.state.value, "ended");
  for (const track of t.media.tracks()) assert.equal(track.readyState, "ended");
  for (const pc of t.peers) assert.equal(pc.closed, true);
  assert.equal(t.machine.media.stream.value, null);
  assert.equal(t.machine.remoteStream.value, null);
  t.timers.advance(ENDED_DISPLAY_MS);
  assert.equal(t.machine.state.value, "idle");
}

async function outgoingActive(t: Setup, video = true) {
  await t.machine.call("bob", video);
  t.server({
    type: "call:response",
    payload: { from: "bob", to: "alice", accepted: true },
  });
  await t.settle();
}

/** An outgoing call whose offer bob answered, its path connected. */
async function outgoingConnected(t: Setup) {
  await outgoingActive(t);
  t.server({
    type: "webrtc:answer",
    payload: {
      from: "bob",
      to: "alice",
      answer: { type: "answer", sdp: "v=0" },
    },
  });
  await t.settle();
  t.peers[0].setState("connected");
}

async function incomingActive(t: Setup, video = true) {
  t.server({
    type: "call:request",
    payload: { from: "bob", to: "alice", hasVideo: video, hasAudio: true },
  });
  await t.machine.accept();
}

Deno.test("call machine: signing in and staying signed in", async (t) => {
  await t.step(
    "session:ready signs in; the page's device id goes with every dial",
    () => {
      const s = setup();
      assert.equal(s.machine.signaling.state.value, "signed-in");
      assert.equal(s.machine.signaling.selfId.value, "alice");
      assert.deepEqual(s.dials, [{
        userId: "alice",
        deviceId: s.machine.signaling.deviceId,
      }]);
      assert.deepEqual(s.machine.signaling.online.value, ["bob"]);
      assert.equal(
        s.machine.status.value,
        "Signed in as alice. Ready to call.",
      );
      s.server({
        type: "presence:update",
        payload: { userId: "carol", online: true },
      });
      s.server({
        type: "presence:update",
        payload: { userId: "bob", online: false },
      });
      assert.deepEqual(s.machine.signaling.online.value, ["carol"]);
    },
  );
  await t.step("an invalid id is refused before connecting", () => {
    const s = setup();
    s.machine.leave();
    s.machine.join("no spaces allowed");
    assert.equal(s.dials.length, 1);
    assert.match(s.machine.notice.value, /Your id must be/);
  });
  await t.step(
    "a dropped socket reconnects by itself, with backoff, under the same device",
    () => {
      const s = setup();
      s.dropConnection();
      assert.equal(s.machine.signaling.state.value, "reconnecting");
      assert.equal(s.machine.status.value, "Reconnecting to the server…");
      s.timers.advance(MAX_BACKOFF_MS);
      assert.equal(s.dials.length, 2);
      assert.deepEqual(s.dials[1], s.dials[0]);
      s.dropConnection();
      s.dropConnection();
      s.timers.advance(MAX_BACKOFF_MS);
      s.ready();
      assert.equal(s.machine.signaling.state.value, "signed-in");
    },
  );
  await t.step("a server restart (1012) is retried at once", () => {
    const s = setup();
    s.dropConnection(1012, "server restarting");
    s.timers.advance(500);
    assert.equal(s.dials.length, 2);
  });
  await t.step("a silent server is noticed by the heartbeat", () => {
    const s = setup();
    s.timers.advance(HEARTBEAT_MS);
    assert.deepEqual(s.sent.at(-1), { type: "ping", payload: {} });
    s.server({ type: "pong", payload: {} });
    s.timers.advance(HEARTBEAT_TIMEOUT_MS);
    assert.equal(
      s.machine.signaling.state.value,
      "signed-in",
      "answered in time",
    );
    s.timers.advance(HEARTBEAT_MS - HEARTBEAT_TIMEOUT_MS);
    s.timers.advance(HEARTBEAT_TIMEOUT_MS);
    assert.equal(
      s.machine.signaling.state.value,
      "reconnecting",
      "no answer: the socket is given up",
    );
    assert.equal(s.closedByClient(), 1);
  });
  await t.step(
    "the server's reasons for closing for good are said in words",
    () => {
      const reasons: [number, string, RegExp][] = [
        [1008, "token expired", /Your sign-in has expired/],
        [
          1008,
          "rate limit exceeded",
          /closed the connection: rate limit exceeded/,
        ],
        [4409, "replaced by a newer connection", /signed in again elsewhere/],
      ];
      for (const [code, reason, sentence] of reasons) {
        const s = setup();
        s.dropConnection(code, reason);
        assert.equal(s.machine.signaling.state.value, "signed-out");
        assert.match(s.machine.status.value, sentence);
        s.timers.advance(MAX_BACKOFF_MS);
        assert.equal(s.dials.length, 1, "no reconnect");
      }
    },
  );
  await t.step("a first connection that fails is reported, not retried", () => {
    const s = setup();
    s.machine.leave();
    s.machine.join("alice");
    s.dropConnection();
    assert.equal(s.machine.status.value, "Could not reach the server.");
  });
  await t.step("signing out closes the connection", () => {
    const s = setup();
    s.machine.leave();
    assert.equal(s.closedByClient(), 1);
    assert.equal(s.machine.signaling.state.value, "signed-out");
  });
});

Deno.test("call machine: an outgoing video call, start to finish", async () => {
  const s = setup();
  await s.machine.call("bob", true);
  assert.equal(s.machine.state.value, "calling");
  assert.equal(s.machine.status.value, "Calling bob…");
  assert.deepEqual(s.media.requests, [{ video: true, audio: true }]);
  assert.deepEqual(s.sent.at(-1), {
    type: "call:request",
    payload: { to: "bob", hasVideo: true, hasAudio: true },
  });

  s.server({
    type: "call:response",
    payload: { from: "bob", to: "alice", accepted: true },
  });
  await s.settle();
  assert.equal(s.machine.state.value, "active");
  const [pc] = s.peers;
  assert.deepEqual(pc.config, { iceServers: ICE, iceTransportPolicy: "all" });
  assert.deepEqual(pc.senders.map((sender) => sender.track?.kind), [
    "audio",
    "video",
  ]);
  assert.deepEqual(s.sent.at(-1), {
    type: "webrtc:offer",
    payload: { to: "bob", offer: { type: "offer", sdp: "v=0 fake offer 1" } },
  });

  const early = {
    candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
    sdpMid: "0",
  };
  s.server({
    type: "webrtc:candidate",
    payload: { from: "bob", to: "alice", candidate: early },
  });
  await s.settle();
  assert.deepEqual(
    pc.addedCandidates,
    [],
    "a candidate before the answer waits for it",
  );
  s.server({
    type: "webrtc:answer",
    payload: {
      from: "bob",
      to: "alice",
      answer: { type: "answer", sdp: "v=0 bob" },
    },
  });
  await s.settle();
  assert.deepEqual(pc.remoteDescription, { type: "answer", sdp: "v=0 bob" });
  assert.deepEqual(pc.addedCandidates, [early]);

  pc.emitCandidate({ candidate: "candidate:2", sdpMid: "0", sdpMLineIndex: 0 });
  assert.deepEqual(s.sent.at(-1), {
    type: "webrtc:candidate",
    payload: {
      to: "bob",
      candidate: { candidate: "candidate:2", sdpMid: "0", sdpMLineIndex: 0 },
    },
  });
  const remote = new FakeMediaStream([
    new FakeTrack("audio"),
    new FakeTrack("video"),
  ]);
  pc.emitTrack(remote);
  assert.equal(s.machine.remoteStream.value, remote as unknown as MediaStream);
  assert.equal(s.machine.status.value, "Connecting to bob…");
  pc.setState("connected");
  assert.equal(s.machine.status.value, "In call with bob");

  s.machine.hangUp();
  assert.deepEqual(s.sent.at(-1), {
    type: "call:end",
    payload: { to: "bob", reason: "hangup" },
  });
  assert.equal(s.machine.status.value, "Call with bob ended.");
  assertReleased(s);
});

Deno.test("call machine: an incoming call, accepted, answered, then ended by the peer", async () => {
  const s = setup();
  s.server({
    type: "call:request",
    payload: { from: "bob", to: "alice", hasVideo: false, hasAudio: true },
  });
  assert.equal(s.machine.state.value, "ringing");
  assert.equal(s.machine.status.value, "bob is calling you (audio)…");
  assert.equal(s.media.requests.length, 0, "no device is opened before Accept");
  await s.machine.accept();
  assert.deepEqual(s.media.requests, [{ video: false, audio: true }]);
  assert.equal(s.machine.state.value, "active");
  assert.deepEqual(s.sent.at(-1), {
    type: "call:response",
    payload: { to: "bob", accepted: true },
  });
  await s.settle();
  assert.equal(
    s.peers[0].senders.length,
    0,
    "the callee's tracks wait for the caller's offer",
  );
  s.server({
    type: "webrtc:offer",
    payload: {
      from: "bob",
      to: "alice",
      offer: { type: "offer", sdp: "v=0 bob" },
    },
  });
  await s.settle();
  assert.deepEqual(s.peers[0].senders.map((sender) => sender.track?.kind), [
    "audio",
  ]);
  assert.deepEqual(s.sent.at(-1), {
    type: "webrtc:answer",
    payload: {
      to: "bob",
      answer: { type: "answer", sdp: "v=0 fake answer 1" },
    },
  });
  s.server({
    type: "call:end",
    payload: { from: "bob", to: "alice", reason: "hangup" },
  });
  assert.equal(s.machine.status.value, "bob ended the call.");
  assertReleased(s);
});

Deno.test("call machine: a call survives the signaling socket dropping, and is resumed", async () => {
  const s = setup();
  await outgoingActive(s);
  s.peers[0].setState("connected");
  s.dropConnection();
  assert.equal(s.machine.state.value, "active");
  assert.equal(
    s.machine.status.value,
    "In call with bob (reconnecting to the server…)",
  );
  assert.ok(
    s.media.tracks().every((track) => track.readyState === "live"),
    "media keeps flowing",
  );
  s.timers.advance(URGENT_BACKOFF_MS);
  s.ready();
  assert.deepEqual(s.sent.at(-1), {
    type: "call:resume",
    payload: { to: "bob" },
  });
  assert.equal(s.machine.status.value, "In call with bob");
  s.server({
    type: "call:request",
    payload: { from: "bob", to: "alice", hasVideo: true, hasAudio: true },
  });
  assert.equal(
    s.machine.state.value,
    "active",
    "a ring repeated after the reconnect changes nothing",
  );
});

Deno.test("call machine: calling the user whose call is ringing here answers that call", async () => {
  const s = setup("alice");
  s.server({
    type: "call:request",
    payload: { from: "bob", to: "alice", hasVideo: true, hasAudio: true },
  });
  assert.equal(s.machine.state.value, "ringing");
  await s.machine.call("bob", true);
  await s.settle();
  assert.equal(s.machine.state.value, "active");
  assert.deepEqual(s.sent.at(-1), {
    type: "call:response",
    payload: { to: "bob", accepted: true },
  });
  assert.ok(
    !s.sent.some((m) => m.type === "call:request"),
    "no call of its own",
  );
});

Deno.test("call machine: glare: when both call at once, the lower id's call stands on both sides", async (t) => {
  await t.step("the lower id keeps calling", async () => {
    const s = setup("alice");
    await s.machine.call("bob", true);
    s.server({
      type: "call:request",
      payload: { from: "bob", to: "alice", hasVideo: true, hasAudio: true },
    });
    s.server({
      type: "call:response",
      payload: { from: "bob", to: "alice", accepted: false, reason: "glare" },
    });
    assert.equal(s.machine.state.value, "calling");
    assert.ok(
      !s.sent.some((m) => m.type === "call:response"),
      "no busy answer to bob",
    );
  });
  await t.step(
    "the higher id answers the lower id's call by itself",
    async () => {
      const s = setup("carol");
      await s.machine.call("bob", true);
      s.server({
        type: "call:request",
        payload: { from: "bob", to: "carol", hasVideo: true, hasAudio: true },
      });
      await s.settle();
      assert.equal(s.machine.state.value, "active");
      assert.deepEqual(s.sent.at(-1), {
        type: "call:response",
        payload: { to: "bob", accepted: true },
      });
      assert.equal(
        s.media.requests.length,
        1,
        "the camera already open is used",
      );
      assert.equal(
        s.media.tracks().filter((track) => track.readyState === "live").length,
        2,
      );
    },
  );
});

Deno.test("call machine: a broken media path: the caller restarts ICE, and a path that stays broken ends the call", async (t) => {
  await t.step(
    "disconnected for 2 s: ICE restart, a new offer, and back to connected",
    async () => {
      const s = setup();
      await outgoingConnected(s);
      const [pc] = s.peers;
      pc.setState("disconnected");
      assert.equal(s.machine.status.value, "Reconnecting to bob…");
      // Signaling moves to a fresh socket at once; the signaling server is
      // still there, so the restart waits its 2 s.
      assert.equal(s.dials.length, 2);
      s.timers.advance(ICE_RESTART_AFTER_MS - 1);
      assert.equal(pc.iceRestarts, 0);
      s.timers.advance(1);
      await s.settle();
      assert.equal(pc.iceRestarts, 1);
      assert.equal(s.sent.at(-1)?.type, "webrtc:offer");
      pc.setState("connected");
      s.timers.advance(ICE_RECOVERY_MS);
      assert.equal(s.machine.state.value, "active");
    },
  );
  await t.step(
    "failed: ICE restart at once; not back within 30 s: the call ends",
    async () => {
      const s = setup();
      await outgoingActive(s);
      s.peers[0].setState("connected");
      s.peers[0].setState("failed");
      assert.equal(s.peers[0].iceRestarts, 1);
      // Signaling moved to a fresh socket at once, and is back.
      assert.equal(s.dials.length, 2);
      s.ready();
      await s.settle();
      s.timers.advance(ICE_RECOVERY_MS);
      assert.deepEqual(s.sent.at(-1), {
        type: "call:end",
        payload: { to: "bob", reason: "ice-failed" },
      });
      assert.equal(
        s.machine.status.value,
        "The connection to bob failed; the call ended.",
      );
      assertReleased(s);
    },
  );
  await t.step("the callee waits for the caller's restart", async () => {
    const s = setup();
    await incomingActive(s);
    s.peers[0].setState("connected");
    s.peers[0].setState("failed");
    s.timers.advance(ICE_RESTART_AFTER_MS);
    assert.equal(s.peers[0].iceRestarts, 0);
  });
  await t.step(
    "relay-only with no candidate at all: the call ends at once, naming the relay",
    async () => {
      const s = setup();
      s.server({
        type: "session:ready",
        payload: {
          userId: "alice",
          deviceId: "d",
          iceServers: [...ICE, { urls: "turn:127.0.0.1:3478" }],
          iceTransportPolicy: "relay",
          presence: true,
        },
      });
      await outgoingActive(s);
      s.peers[0].finishGathering();
      assert.match(
        s.machine.status.value,
        /the relay \(TURN\) server could not be used/,
      );
      assertReleased(s);
    },
  );
  await t.step(
    "no candidate at all (relay refused): the call ends at once",
    async () => {
      const s = setup();
      await outgoingActive(s);
      s.peers[0].onicecandidateerror?.({ errorCode: 401 });
      s.peers[0].finishGathering();
      assert.match(
        s.machine.status.value,
        /relay \(TURN\) server refused this app's credentials/,
      );
      assertReleased(s);
    },
  );
});

Deno.test("call machine: every way out of a call ends in idle with everything released", async (t) => {
  await t.step("declining an incoming call", () => {
    const s = setup();
    s.server({
      type: "call:request",
      payload: { from: "bob", to: "alice", hasVideo: true, hasAudio: true },
    });
    s.machine.decline();
    assert.deepEqual(s.sent.at(-1), {
      type: "call:response",
      payload: { to: "bob", accepted: false, reason: "declined" },
    });
    assertReleased(s);
  });
  const endings: [string, ServerMessage, string][] = [
    [
      "the callee declines",
      {
        type: "call:response",
        payload: {
          from: "bob",
          to: "alice",
          accepted: false,
          reason: "declined",
        },
      },
      "bob declined the call.",
    ],
    [
      "the callee is busy",
      {
        type: "call:response",
        payload: { from: "bob", to: "alice", accepted: false, reason: "busy" },
      },
      "bob is busy in another call.",
    ],
    [
      "the callee is offline",
      {
        type: "error",
        payload: {
          code: "peer-unavailable",
          message: "bob is not online.",
          inReplyTo: "call:request",
        },
      },
      "bob is not online.",
    ],
    [
      "the server's ring timeout",
      {
        type: "call:end",
        payload: { from: "bob", to: "alice", reason: "no-answer" },
      },
      "bob did not answer.",
    ],
  ];
  for (const [name, message, sentence] of endings) {
    await t.step(name, async () => {
      const s = setup();
      await s.machine.call("bob", true);
      s.server(message);
      assert.equal(s.machine.status.value, sentence);
      assertReleased(s);
    });
  }
  await t.step("the caller cancels while ringing", async () => {
    const s = setup();
    await s.machine.call("bob", true);
    s.machine.hangUp();
    assert.deepEqual(s.sent.at(-1), {
      type: "call:end",
      payload: { to: "bob", reason: "cancelled" },
    });
    assertReleased(s);
  });
  await t.step("the caller cancels before the camera is ready", async () => {
    const s = setup();
    s.media.hold();
    const calling = s.machine.call("bob", true);
    s.machine.hangUp();
    s.media.release();
    await calling;
    assert.ok(
      !s.sent.some((m) => m.type === "call:request"),
      "nobody was rung",
    );
    assertReleased(s);
  });
  const incomingEndings: [string, string, string][] = [
    [
      "the caller cancels (missed call)",
      "cancelled",
      "Missed call from bob: they hung up.",
    ],
    [
      "another device answers",
      "answered-elsewhere",
      "The call from bob was answered on another device.",
    ],
    ["the ring times out", "no-answer", "Missed call from bob."],
  ];
  for (const [name, reason, sentence] of incomingEndings) {
    await t.step(name, () => {
      const s = setup();
      s.server({
        type: "call:request",
        payload: { from: "bob", to: "alice", hasVideo: true, hasAudio: true },
      });
      s.server({
        type: "call:end",
        payload: { from: "bob", to: "alice", reason: reason as "cancelled" },
      });
      assert.equal(s.machine.status.value, sentence);
      assertReleased(s);
    });
  }
  await t.step("the peer does not come back to the server", async () => {
    const s = setup();
    await incomingActive(s);
    s.server({
      type: "call:end",
      payload: { from: "bob", to: "alice", reason: "peer-gone" },
    });
    assert.equal(
      s.machine.status.value,
      "bob lost their connection; the call ended.",
    );
    assertReleased(s);
  });
  await t.step("the sign-in expires during the call", async () => {
    const s = setup();
    await outgoingActive(s);
    s.dropConnection(1008, "token expired");
    assert.match(s.machine.status.value, /Your sign-in has expired/);
    assertReleased(s);
  });
  await t.step("a bad session description", async () => {
    const s = setup();
    await outgoingActive(s);
    s.peers[0].failNextRemoteDescription = true;
    s.server({
      type: "webrtc:answer",
      payload: {
        from: "bob",
        to: "alice",
        answer: { type: "answer", sdp: "garbage" },
      },
    });
    await s.settle();
    assert.match(
      s.machine.notice.value,
      /Setting up the connection to bob failed/,
    );
    assertReleased(s);
  });
  await t.step("the camera is refused when calling", async () => {
    const s = setup();
    s.media.failWith = "NotAllowedError";
    await s.machine.call("bob", true);
    assert.ok(!s.sent.some((m) => m.type === "call:request"));
    assert.match(
      s.machine.status.value,
      /Access to the camera or microphone was blocked/,
    );
    assertReleased(s);
  });
});

Deno.test("call machine: media trouble when answering: the call keeps ringing and can be answered with less", async (t) => {
  for (
    const [mode, requests, senders] of [["audio-only", 2, ["audio"]], [
      "receive-only",
      1,
      [],
    ]] as const
  ) {
    await t.step(mode, async () => {
      const s = setup();
      s.server({
        type: "call:request",
        payload: { from: "bob", to: "alice", hasVideo: true, hasAudio: true },
      });
      s.media.failWith = "NotFoundError";
      await s.machine.accept();
      assert.equal(s.machine.state.value, "ringing");
      assert.match(
        s.machine.mediaProblem.value,
        /No camera or microphone was found/,
      );
      assert.ok(!s.sent.some((m) => m.type === "call:response"));
      await s.machine.accept(mode);
      assert.equal(s.machine.state.value, "active");
      assert.equal(s.machine.mediaProblem.value, "");
      assert.equal(s.media.requests.length, requests);
      s.server({
        type: "webrtc:offer",
        payload: {
          from: "bob",
          to: "alice",
          offer: { type: "offer", sdp: "v=0" },
        },
      });
      await s.settle();
      assert.deepEqual(
        s.peers[0].senders.map((sender) => sender.track?.kind),
        senders,
      );
      assert.equal(s.sent.at(-1)?.type, "webrtc:answer");
    });
  }
  await t.step(
    "a camera unplugged mid-call ends its track, not the call",
    async () => {
      const s = setup();
      await outgoingActive(s);
      s.media.streams[0].getVideoTracks()[0].unplug();
      assert.equal(s.machine.state.value, "active");
      assert.equal(s.machine.media.cameraOff.value, true);
      assert.match(s.machine.status.value, /Your camera stopped/);
    },
  );
});

Deno.test("call machine: in-call controls", async (t) => {
  await t.step(
    "mute disables the microphone track and unmute enables it",
    async () => {
      const s = setup();
      await outgoingActive(s);
      const [audio] = s.media.streams[0].getAudioTracks();
      s.machine.media.toggleMute();
      assert.equal(s.machine.media.micMuted.value, true);
      assert.equal(audio.enabled, false);
      s.machine.media.toggleMute();
      assert.equal(audio.enabled, true);
    },
  );
  await t.step(
    "camera off stops the camera and sends nothing; on sends a new track",
    async () => {
      const s = setup();
      await outgoingActive(s);
      const [video] = s.media.streams[0].getVideoTracks();
      const sender = s.peers[0].senders.find((x) => x.track?.kind === "video")!;
      await s.machine.media.toggleCamera();
      assert.equal(s.machine.media.cameraOff.value, true);
      assert.equal(video.readyState, "ended");
      assert.equal(sender.track, null);
      await s.machine.media.toggleCamera();
      assert.equal(s.machine.media.cameraOff.value, false);
      const [newVideo] = s.media.streams[1].getVideoTracks();
      assert.equal(sender.track, newVideo);
      s.machine.hangUp();
      assertReleased(s);
    },
  );
});

Deno.test("call machine: a second incoming call while busy is answered busy", async () => {
  const s = setup();
  await outgoingActive(s);
  s.server({
    type: "call:request",
    payload: { from: "carol", to: "alice", hasVideo: true, hasAudio: true },
  });
  assert.equal(s.machine.peerId.value, "bob");
  assert.deepEqual(s.sent.at(-1), {
    type: "call:response",
    payload: { to: "carol", accepted: false, reason: "busy" },
  });
});

Deno.test("call machine: signaling from anyone but the peer is ignored", async () => {
  const s = setup();
  await outgoingActive(s);
  s.server({ type: "call:end", payload: { from: "mallory", to: "alice" } });
  assert.equal(s.machine.state.value, "active");
});

Deno.test("call machine: both sides giving up at once: the server's not-in-call keeps the sentence of why", async () => {
  const s = setup();
  await outgoingActive(s);
  s.server({
    type: "call:end",
    payload: { from: "bob", to: "alice", reason: "ice-failed" },
  });
  const why = s.machine.status.value;
  assert.match(why, /^Could not connect to bob/);
  s.server({
    type: "error",
    payload: {
      code: "not-in-call",
      message: "You are not in a call with bob.",
      inReplyTo: "call:end",
    },
  });
  assert.equal(s.machine.status.value, why);
});

/** What the page sent since it resumed the call: the resume, then a new offer. */
function assertOfferedAgainOnResume(s: Setup) {
  const afterResume = s.sent.slice(
    s.sent.findLastIndex((m) => m.type === "call:resume"),
  );
  assert.deepEqual(afterResume.map((m) => m.type), [
    "call:resume",
    "webrtc:offer",
  ]);
}

Deno.test("call machine: an ICE-restart offer sent into a socket that died is made again once signaling is back", async () => {
  const s = setup();
  await outgoingConnected(s);
  const [pc] = s.peers;
  pc.setState("disconnected");
  s.server({ type: "pong", payload: {} });
  s.timers.advance(ICE_RESTART_AFTER_MS);
  await s.settle();
  assert.equal(pc.signalingState, "have-local-offer");
  // The socket was dead: the offer went nowhere. It reconnects and resumes.
  s.dropConnection();
  s.timers.advance(URGENT_BACKOFF_MS);
  s.ready();
  await s.settle();
  assertOfferedAgainOnResume(s);
});

Deno.test("call machine: the device's network changes mid-call: a fresh socket at once, and the call resumed on it with an ICE restart", async () => {
  let networkChanged = () => {};
  const s = setupWith({
    watchNetwork: (changed) => {
      networkChanged = changed;
    },
  });
  await outgoingConnected(s);
  networkChanged();
  assert.equal(s.closedByClient(), 1);
  assert.equal(s.machine.signaling.state.value, "reconnecting");
  s.timers.advance(URGENT_BACKOFF_MS);
  s.ready();
  await s.settle();
  assertOfferedAgainOnResume(s);
  assert.equal(s.peers[0].iceRestarts, 1);
});

Deno.test("call machine: the device's network changes mid-call, with a lasting certificate: the connection is renewed on the resumed socket, which is not renewed again for it, and a recording running ends with its file", async () => {
  let networkChanged = () => {};
  const files: string[] = [];
  const s = notSignedIn({
    watchNetwork: (changed) => {
      networkChanged = changed;
    },
    loadCertificate: () => Promise.resolve({} as RTCCertificate),
    recordCall: () => ({ stop: () => Promise.resolve(new Blob(["webm"])) }),
    download: (_, name) => void files.push(name),
  });
  s.machine.join("alice");
  await s.settle();
  s.ready();
  await outgoingConnected(s);
  s.peers[0].emitTrack(new FakeMediaStream([new FakeTrack("video")]));
  await s.machine.toggleRecording();
  networkChanged();
  s.timers.advance(URGENT_BACKOFF_MS);
  s.ready();
  await s.settle();
  assertOfferedAgainOnResume(s);
  assert.equal(s.peers.length, 2, "a new connection");
  assert.ok(s.peers[0].closed);
  assert.equal(s.machine.status.value, "Reconnecting to bob…");
  assert.equal(s.closedByClient(), 1, "the socket just renewed is kept");
  s.peers[1].emitTrack(new FakeMediaStream([new FakeTrack("video")]));
  s.peers[1].setState("connected");
  await s.settle();
  assert.equal(
    s.machine.status.value,
    `In call with bob ${RECORDING_CUT_SHORT}`,
  );
  assert.equal(s.machine.recording.value, false);
  assert.equal(files.length, 1);
});

Deno.test("call machine: bad ids to call are explained, not sent", async () => {
  const s = setup();
  await s.machine.call("", true);
  assert.match(s.machine.notice.value, /Enter the id of the user to call/);
  await s.machine.call("alice", true);
  assert.equal(s.machine.notice.value, "You cannot call yourself.");
  assert.equal(s.machine.state.value, "idle");
  assert.equal(s.sent.length, 0);
});

Deno.test("call machine: the call's data channel: chat both ways and each side's media state", async () => {
  const s = setup();
  await outgoingActive(s);
  const channel = s.peers[0].channel;
  assert.equal(
    s.machine.sendChat("too early"),
    false,
    "nothing is sent before the channel opens",
  );
  channel.open();
  assert.deepEqual(channel.sent.at(-1), {
    type: "state",
    muted: false,
    cameraOff: false,
    sharing: false,
    recording: false,
  });
  assert.equal(s.machine.sendChat("  hello bob  "), true);
  assert.deepEqual(channel.sent.at(-1), { type: "chat", text: "hello bob" });
  channel.receive({ type: "chat", text: "hi alice" });
  assert.deepEqual(s.machine.channel.chat.value.map((m) => [m.mine, m.text]), [[
    true,
    "hello bob",
  ], [false, "hi alice"]]);
  s.machine.media.toggleMute();
  assert.deepEqual(channel.sent.at(-1), {
    type: "state",
    muted: true,
    cameraOff: false,
    sharing: false,
    recording: false,
  });
  channel.receive({
    type: "state",
    muted: true,
    cameraOff: true,
    sharing: false,
    recording: true,
  });
  assert.deepEqual(s.machine.channel.peerState.value, {
    muted: true,
    cameraOff: true,
    sharing: false,
    recording: true,
  });
  assert.ok(
    !s.sent.some((m) => JSON.stringify(m).includes("hello bob")),
    "the server never sees the chat",
  );
});

Deno.test("call machine: screen share swaps the sent track and goes back to the camera", async () => {
  const s = setup();
  const display = new FakeMediaStream([new FakeTrack("video")]);
  await outgoingActive(s);
  // The machine got no getDisplayMedia: it says so.
  await s.machine.media.toggleScreenShare();
  assert.equal(s.machine.notice.value, "This browser cannot share its screen.");
  const t = setupWith({
    getDisplayMedia: () => Promise.resolve(display as unknown as MediaStream),
  });
  await outgoingActive(t);
  const sender = t.peers[0].senders.find((x) => x.track?.kind === "video")!;
  await t.machine.media.toggleScreenShare();
  assert.equal(t.machine.media.sharing.value, true);
  assert.equal(sender.track, display.getVideoTracks()[0]);
  display.getVideoTracks()[0].unplug(); // the browser's "Stop sharing"
  await t.settle();
  assert.equal(t.machine.media.sharing.value, false);
  assert.equal(
    sender.track,
    t.media.streams.at(-1)!.getVideoTracks()[0],
    "the camera is back",
  );
});

Deno.test("call machine: choosing a device is remembered, and in a call swaps the track", async () => {
  const saved = new Map<string, string>();
  const s = setupWith({
    store: memoryStore(saved),
  });
  await outgoingActive(s);
  const sender = s.peers[0].senders.find((x) => x.track?.kind === "audio")!;
  s.machine.media.toggleMute();
  await s.machine.media.chooseDevice("microphone", "mic-2");
  assert.deepEqual(s.media.requests.at(-1), {
    video: false,
    audio: { deviceId: { exact: "mic-2" } },
  });
  const fresh = s.media.streams.at(-1)!.getAudioTracks()[0];
  assert.equal(sender.track, fresh);
  assert.equal(fresh.enabled, false, "a new microphone stays muted");
  assert.equal(
    s.media.streams[0].getAudioTracks()[0].readyState,
    "ended",
    "the old one is released",
  );
  assert.deepEqual(JSON.parse(saved.get("nexus-call.devices")!), {
    microphone: "mic-2",
  });
});

Deno.test("call machine: recording tells the peer, and stopping hands over the file", async () => {
  const files: [Blob, string][] = [];
  const s = setupWith({
    recordCall: () => ({ stop: () => Promise.resolve(new Blob(["webm"])) }),
    download: (file, name) => void files.push([file, name]),
  });
  await outgoingActive(s);
  s.peers[0].emitTrack(new FakeMediaStream([new FakeTrack("video")]));
  s.peers[0].channel.open();
  await s.machine.toggleRecording();
  assert.equal(s.machine.recording.value, true);
  assert.equal(
    (s.peers[0].channel.sent.at(-1) as { recording: boolean }).recording,
    true,
  );
  await s.machine.toggleRecording();
  assert.equal(files.length, 1);
  assert.match(files[0][1], /^nexus-call-bob-.*\.webm$/);
});

Deno.test("call machine: signing in waits for the page's lasting certificate, and every call's connection presents it", async () => {
  const certificate = {} as RTCCertificate;
  let loaded!: (certificate: RTCCertificate) => void;
  const t = notSignedIn({
    loadCertificate: () => new Promise((resolve) => loaded = resolve),
  });
  t.machine.join("alice");
  await t.settle();
  assert.equal(
    t.dials.length,
    0,
    "no call can come before the certificate is there",
  );
  loaded(certificate);
  await t.settle();
  assert.equal(t.dials.length, 1);
  t.ready();
  await t.machine.call("bob", true);
  assert.deepEqual(t.peers[0].config.certificates, [certificate]);
});
