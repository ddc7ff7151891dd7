import assert from "node:assert/strict";
import { CallMachine, ENDED_DISPLAY_MS } from "./call_machine.ts";
import type { SignalingHandlers } from "./signaling_client.ts";
import type { ClientMessage, ServerMessage } from "../protocol.ts";
import {
  FakeMedia,
  FakeMediaStream,
  FakePeerConnection,
  FakeTrack,
  ManualTimers,
} from "../../tests/support/fake_webrtc.ts";

const ICE: RTCIceServer[] = [{ urls: "stun:127.0.0.1:3478" }];

/** A machine wired to fakes, signed in as alice with bob online. */
function setup() {
  const media = new FakeMedia();
  const timers = new ManualTimers();
  const peers: FakePeerConnection[] = [];
  const sent: ClientMessage[] = [];
  let handlers: SignalingHandlers | undefined;
  let closedByClient = false;
  const machine = new CallMachine({
    connect: (_userId, h) => {
      handlers = h;
      return {
        send: (message) => sent.push(message),
        close: () => closedByClient = true,
      };
    },
    getUserMedia: media.getUserMedia,
    createPeerConnection: (config) => {
      const pc = new FakePeerConnection(config);
      peers.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
  });
  const server = (message: ServerMessage) => handlers!.onMessage(message);
  machine.join("alice");
  server({
    type: "session:ready",
    payload: { userId: "alice", iceServers: ICE, iceTransportPolicy: "all" },
  });
  server({ type: "presence:list", payload: { users: ["alice", "bob"] } });
  return {
    machine,
    media,
    timers,
    peers,
    sent,
    server,
    dropConnection: (code = 1006, reason = "") =>
      handlers!.onClose(code, reason),
    closedByClient: () => closedByClient,
    /** Resolves pending promise callbacks. */
    settle: () => new Promise((resolve) => setTimeout(resolve, 0)),
  };
}

type Setup = ReturnType<typeof setup>;

/** Checks that a call left nothing running: tracks stopped, connections closed, idle after the pause. */
function assertReleased(t: Setup) {
  assert.equal(t.machine.state.value, "ended");
  for (const track of t.media.tracks()) assert.equal(track.readyState, "ended");
  for (const pc of t.peers) assert.equal(pc.closed, true);
  assert.equal(t.machine.localStream.value, null);
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

async function incomingActive(t: Setup, video = true) {
  t.server({
    type: "call:request",
    payload: { from: "bob", to: "alice", hasVideo: video, hasAudio: true },
  });
  await t.machine.accept();
}

Deno.test("signing in", async (t) => {
  await t.step(
    "a valid id connects; session:ready signs in; presence lists the others",
    () => {
      const s = setup();
      assert.equal(s.machine.session.value, "signed-in");
      assert.equal(s.machine.selfId.value, "alice");
      assert.deepEqual(s.machine.online.value, ["bob"]);
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
      assert.deepEqual(s.machine.online.value, ["carol"]);
    },
  );
  await t.step("an invalid id is refused before connecting", () => {
    const machine = new CallMachine({
      connect: () => {
        throw new Error("must not connect");
      },
      getUserMedia: () => Promise.reject(new Error("unused")),
      createPeerConnection: () => {
        throw new Error("unused");
      },
      setTimeout: () => 0,
      clearTimeout: () => {},
    });
    machine.join("no spaces allowed");
    assert.equal(machine.session.value, "signed-out");
    assert.match(machine.notice.value, /Your id must be/);
  });
  await t.step("a second page under the same id is told so", () => {
    const s = setup();
    s.dropConnection(4409);
    assert.equal(s.machine.session.value, "signed-out");
    assert.equal(
      s.machine.status.value,
      "alice is already signed in on another page.",
    );
  });
  await t.step("the server's reasons for closing are said in words", () => {
    const reasons: [number, string, RegExp][] = [
      [1008, "token expired", /Your sign-in has expired/],
      [
        1008,
        "rate limit exceeded",
        /closed the connection: rate limit exceeded/,
      ],
      [1006, "", /Lost the connection to the server/],
    ];
    for (const [code, reason, sentence] of reasons) {
      const s = setup();
      s.dropConnection(code, reason);
      assert.match(s.machine.status.value, sentence);
    }
  });
  await t.step("signing out closes the connection", () => {
    const s = setup();
    s.machine.leave();
    assert.equal(s.closedByClient(), true);
    assert.equal(s.machine.session.value, "signed-out");
  });
});

Deno.test("an outgoing video call, start to finish", async () => {
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
    payload: { to: "bob", offer: { type: "offer", sdp: "v=0 fake offer" } },
  });

  // A candidate that arrives before the answer waits for it.
  const early = {
    candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
    sdpMid: "0",
  };
  s.server({
    type: "webrtc:candidate",
    payload: { from: "bob", to: "alice", candidate: early },
  });
  await s.settle();
  assert.deepEqual(pc.addedCandidates, []);
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

Deno.test("an incoming call, accepted, then ended by the peer", async () => {
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
  s.server({
    type: "webrtc:offer",
    payload: {
      from: "bob",
      to: "alice",
      offer: { type: "offer", sdp: "v=0 bob" },
    },
  });
  await s.settle();
  assert.deepEqual(s.sent.at(-1), {
    type: "webrtc:answer",
    payload: { to: "bob", answer: { type: "answer", sdp: "v=0 fake answer" } },
  });
  s.server({
    type: "call:end",
    payload: { from: "bob", to: "alice", reason: "hangup" },
  });
  assert.equal(s.machine.status.value, "bob ended the call.");
  assertReleased(s);
});

Deno.test("every way out of a call ends in idle with everything released", async (t) => {
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
  await t.step("the callee declines", async () => {
    const s = setup();
    await s.machine.call("bob", true);
    s.server({
      type: "call:response",
      payload: {
        from: "bob",
        to: "alice",
        accepted: false,
        reason: "declined",
      },
    });
    assert.equal(s.machine.status.value, "bob declined the call.");
    assertReleased(s);
  });
  await t.step("the callee is busy", async () => {
    const s = setup();
    await s.machine.call("bob", true);
    s.server({
      type: "call:response",
      payload: { from: "bob", to: "alice", accepted: false, reason: "busy" },
    });
    assert.equal(s.machine.status.value, "bob is busy in another call.");
    assertReleased(s);
  });
  await t.step("the callee is offline", async () => {
    const s = setup();
    await s.machine.call("bob", true);
    s.server({
      type: "error",
      payload: {
        code: "peer-unavailable",
        message: "bob is not online.",
        inReplyTo: "call:request",
      },
    });
    assert.equal(s.machine.status.value, "bob is not online.");
    assertReleased(s);
  });
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
  await t.step("the caller cancels an incoming call (missed call)", () => {
    const s = setup();
    s.server({
      type: "call:request",
      payload: { from: "bob", to: "alice", hasVideo: true, hasAudio: true },
    });
    s.server({
      type: "call:end",
      payload: { from: "bob", to: "alice", reason: "cancelled" },
    });
    assert.equal(s.machine.status.value, "Missed call from bob: they hung up.");
    assertReleased(s);
  });
  await t.step("the server's ring timeout", async () => {
    const s = setup();
    await s.machine.call("bob", true);
    s.server({
      type: "call:end",
      payload: { from: "bob", to: "alice", reason: "no-answer" },
    });
    assert.equal(s.machine.status.value, "bob did not answer.");
    assertReleased(s);
  });
  await t.step("the peer's connection to the server is lost", async () => {
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
  await t.step("our own connection to the server is lost", async () => {
    const s = setup();
    await outgoingActive(s);
    s.dropConnection();
    assert.equal(s.machine.session.value, "signed-out");
    assert.equal(s.machine.status.value, "Lost the connection to the server.");
    assertReleased(s);
  });
  await t.step("the peer connection fails", async () => {
    const s = setup();
    await outgoingActive(s);
    s.peers[0].setState("failed");
    assert.deepEqual(s.sent.at(-1), {
      type: "call:end",
      payload: { to: "bob", reason: "ice-failed" },
    });
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
  await t.step("no camera when accepting: the caller is told", async () => {
    const s = setup();
    s.media.failWith = "NotFoundError";
    await incomingActive(s);
    assert.deepEqual(s.sent.at(-1), {
      type: "call:response",
      payload: { to: "bob", accepted: false, reason: "media-failed" },
    });
    assert.match(s.machine.status.value, /No camera or microphone was found/);
    assertReleased(s);
  });
});

Deno.test("in-call controls", async (t) => {
  await t.step(
    "mute disables the microphone track and unmute enables it",
    async () => {
      const s = setup();
      await outgoingActive(s);
      const [audio] = s.media.streams[0].getAudioTracks();
      s.machine.toggleMute();
      assert.equal(s.machine.micMuted.value, true);
      assert.equal(audio.enabled, false);
      s.machine.toggleMute();
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
      await s.machine.toggleCamera();
      assert.equal(s.machine.cameraOff.value, true);
      assert.equal(video.readyState, "ended");
      assert.equal(sender.track, null);
      await s.machine.toggleCamera();
      assert.equal(s.machine.cameraOff.value, false);
      const [newVideo] = s.media.streams[1].getVideoTracks();
      assert.equal(sender.track, newVideo);
      assert.equal(newVideo.readyState, "live");
      s.machine.hangUp();
      assertReleased(s);
    },
  );
});

Deno.test("a second incoming call while busy is answered busy", async () => {
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

Deno.test("signaling from anyone but the peer is ignored", async () => {
  const s = setup();
  await outgoingActive(s);
  s.server({ type: "call:end", payload: { from: "mallory", to: "alice" } });
  assert.equal(s.machine.state.value, "active");
});

Deno.test("bad ids to call are explained, not sent", async () => {
  const s = setup();
  await s.machine.call("", true);
  assert.match(s.machine.notice.value, /Enter the id of the user to call/);
  await s.machine.call("alice", true);
  assert.equal(s.machine.notice.value, "You cannot call yourself.");
  assert.equal(s.machine.state.value, "idle");
  assert.equal(s.sent.length, 0);
});
