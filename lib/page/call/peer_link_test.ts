/**
 * The peer link over a fake peer connection and manual timers: what it
 * signals, how it recovers a broken path (ICE restart by the caller only),
 * when it gives up and in which words, and ICE servers refreshed mid-call.
 * @module
 */
import assert from "node:assert/strict";
import { signal } from "@preact/signals";
import type { ClientMessage } from "../../wire/protocol.ts";
import {
  FakeMediaStream,
  FakePeerConnection,
  FakeTrack,
} from "../../../tests/support/fake_webrtc.ts";
import { flowingMedia } from "../../../tests/support/flowing_media.ts";
import { ManualTimers } from "../../../tests/support/manual_timers.ts";
import {
  ANSWER_TIMEOUT_MS,
  CONNECT_TIMEOUT_MS,
  ICE_RECOVERY_MS,
  ICE_RESTART_AFTER_MS,
  RESTART_SETTLE_MS,
} from "./path_recovery.ts";
import { PeerLink } from "./peer_link.ts";
import { QUALITY_EVERY_MS } from "./quality.ts";

/** A link to bob; `polite` for the callee's side. */
function link(
  polite: boolean,
  iceTransportPolicy: RTCIceTransportPolicy = "all",
  servers: RTCIceServer[] = [{ urls: "stun:127.0.0.1" }, {
    urls: "turn:127.0.0.1:3478",
  }],
) {
  const timers = new ManualTimers();
  const iceServers = signal<RTCIceServer[]>(servers);
  let pc!: FakePeerConnection;
  const sent: ClientMessage[] = [];
  const failures: string[] = [];
  const ends: string[] = [];
  const states: RTCPeerConnectionState[] = [];
  const readings: unknown[] = [];
  const secured: RTCPeerConnection[] = [];
  const peerLink = new PeerLink(
    {
      createPeerConnection: (config) => {
        pc = new FakePeerConnection(config);
        return pc as unknown as RTCPeerConnection;
      },
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
    },
    { peer: "bob", polite, iceServers, iceTransportPolicy },
    {
      send: (message) => sent.push(message),
      remoteStream: () => {},
      connectionState: (state) => states.push(state),
      quality: (quality) => readings.push(quality),
      channelOpen: () => {},
      peerMessage: () => {},
      failed: (reason, sentence) => {
        failures.push(sentence);
        ends.push(reason);
      },
      secured: (connection) => secured.push(connection),
    },
  );
  return {
    peerLink,
    pc,
    timers,
    iceServers,
    sent,
    failures,
    ends,
    states,
    readings,
    secured,
  };
}

Deno.test("peer link: local candidates go to the peer as webrtc:candidate", () => {
  const l = link(false);
  l.pc.emitCandidate({ candidate: "candidate:1", sdpMid: "0" });
  assert.deepEqual(l.sent, [{
    type: "webrtc:candidate",
    payload: {
      to: "bob",
      candidate: { candidate: "candidate:1", sdpMid: "0" },
    },
  }]);
});

Deno.test("peer link: the caller restarts ICE after 2 s disconnected, at once on failed; the callee never does", () => {
  const caller = link(false);
  caller.pc.setState("connected");
  caller.pc.setState("disconnected");
  caller.timers.advance(ICE_RESTART_AFTER_MS - 1);
  assert.equal(caller.pc.iceRestarts, 0);
  caller.timers.advance(1);
  assert.equal(caller.pc.iceRestarts, 1);
  caller.pc.setState("failed");
  assert.equal(caller.pc.iceRestarts, 2);
  const callee = link(true);
  callee.pc.setState("connected");
  callee.pc.setState("failed");
  callee.timers.advance(ICE_RESTART_AFTER_MS);
  assert.equal(callee.pc.iceRestarts, 0);
});

Deno.test("peer link: a path back within 30 s goes on; one that is not gives up, telling the peer", () => {
  const back = link(false);
  back.pc.setState("connected");
  back.pc.setState("disconnected");
  back.pc.setState("connected");
  back.timers.advance(ICE_RECOVERY_MS);
  assert.deepEqual(back.failures, []);
  const lost = link(true);
  lost.pc.setState("connected");
  lost.pc.setState("disconnected");
  lost.timers.advance(ICE_RECOVERY_MS - 1);
  assert.deepEqual(lost.failures, []);
  lost.timers.advance(1);
  assert.deepEqual(lost.failures, [
    "The connection to bob failed; the call ended.",
  ]);
  // The call's owner tells the peer why.
  assert.deepEqual(lost.ends, ["ice-failed"]);
});

Deno.test("peer link: relay-only with no candidate blames the relay; a 401 blames its credentials", () => {
  const unusable = link(false, "relay");
  unusable.pc.finishGathering();
  assert.match(unusable.failures[0], /NEXUS_TURN_URLS/);
  const refused = link(false, "relay");
  refused.pc.onicecandidateerror?.({ errorCode: 401 });
  refused.pc.finishGathering();
  assert.match(refused.failures[0], /refused this app's credentials/);
});

Deno.test("peer link: a description that cannot be set ends the call in words", async () => {
  const l = link(true);
  l.pc.failNextRemoteDescription = true;
  l.peerLink.receive({
    type: "webrtc:offer",
    payload: { from: "bob", to: "alice", offer: { type: "offer", sdp: "x" } },
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(l.failures, [
    "Setting up the connection to bob failed (bad description).",
  ]);
  // Not an ICE failure: the history would say the network failed.
  assert.deepEqual(l.ends, ["media-failed"]);
});

Deno.test("peer link: its keys are read when the path connects, and again when the peer renegotiates a connected path", async () => {
  const l = link(true);
  l.peerLink.receive({
    type: "webrtc:offer",
    payload: { from: "bob", to: "alice", offer: { type: "offer", sdp: "o" } },
  });
  await settle();
  assert.equal(l.secured.length, 0, "nothing to read before DTLS connects");
  l.pc.setState("connected");
  assert.equal(l.secured.length, 1);
  l.peerLink.receive({
    type: "webrtc:offer",
    payload: { from: "bob", to: "alice", offer: { type: "offer", sdp: "p" } },
  });
  await settle();
  assert.deepEqual(l.secured, [l.pc, l.pc]);
});

Deno.test("peer link: the page's lasting certificate is the connection's", () => {
  const certificate = {} as RTCCertificate;
  const timers = new ManualTimers();
  let config: RTCConfiguration = {};
  new PeerLink(
    {
      createPeerConnection: (given) => {
        config = given;
        return new FakePeerConnection(given) as unknown as RTCPeerConnection;
      },
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
    },
    {
      peer: "bob",
      polite: false,
      iceServers: signal([]),
      iceTransportPolicy: "all",
      certificate,
    },
    {
      send: () => {},
      remoteStream: () => {},
      connectionState: () => {},
      quality: () => {},
      channelOpen: () => {},
      peerMessage: () => {},
      failed: () => {},
      secured: () => {},
    },
  ).close();
  assert.deepEqual(config.certificates, [certificate]);
});

Deno.test("peer link: fresh ICE servers reach the live connection; after close nothing is reported and no timer runs", () => {
  const l = link(false);
  const fresh = [{ urls: "turn:127.0.0.1:3478", username: "u" }];
  l.iceServers.value = fresh;
  assert.deepEqual(l.pc.config.iceServers, fresh);
  l.pc.setState("connected");
  l.pc.setState("disconnected");
  l.peerLink.close();
  assert.equal(l.timers.size, 0);
  l.iceServers.value = [];
  assert.deepEqual(l.pc.config.iceServers, fresh);
  assert.equal(l.pc.closed, true);
});

Deno.test("peer link: quality is sampled every 2 s from the first connect", async () => {
  const l = link(false);
  (l.pc as unknown as { getStats(): Promise<Map<string, unknown>> })
    .getStats = () => Promise.resolve(new Map());
  l.pc.setState("connected");
  l.timers.advance(QUALITY_EVERY_MS);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(l.readings.length, 1);
  // The next reading, and the watch on media arriving.
  assert.equal(l.timers.size, 2);
});

Deno.test("peer link: a path that never connects ends after 15 s, not restarted, naming the likely cause", () => {
  const noRelay = link(false, "all", [{ urls: "stun:127.0.0.1" }]);
  noRelay.pc.setState("connecting");
  noRelay.timers.advance(CONNECT_TIMEOUT_MS - 1);
  assert.deepEqual(noRelay.failures, []);
  noRelay.timers.advance(1);
  assert.equal(noRelay.pc.iceRestarts, 0);
  assert.match(
    noRelay.failures[0],
    /no relay \(TURN\) server.*NEXUS_TURN_URLS/,
  );
  assert.deepEqual(noRelay.ends, ["ice-failed"]);
});

Deno.test("peer link: failed before ever connecting ends at once; a relay never reached is named", () => {
  const l = link(false);
  l.pc.emitCandidate({
    candidate: "candidate:1 1 udp 1 10.0.0.1 5000 typ host",
  });
  l.pc.setState("failed");
  assert.equal(l.pc.iceRestarts, 0);
  assert.match(
    l.failures[0],
    /relay \(TURN\) server could not be reached from your network/,
  );
  assert.equal(l.timers.size, 0);
});

/** Lets the fake connection's negotiation run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The offers a link sent. */
const offers = (sent: ClientMessage[]) =>
  sent.filter((message) => message.type === "webrtc:offer");

Deno.test("peer link: the caller's offer that gets no answer is sent again unchanged, until answered; an answer to either send completes it", async () => {
  const l = link(false);
  l.pc.addTrack(new FakeTrack("audio"));
  await settle();
  assert.equal(offers(l.sent).length, 1);
  l.timers.advance(ANSWER_TIMEOUT_MS);
  l.timers.advance(ANSWER_TIMEOUT_MS);
  await settle();
  assert.equal(l.pc.iceRestarts, 0, "no new offer a late answer could miss");
  const sent = offers(l.sent);
  assert.equal(sent.length, 3);
  assert.equal(new Set(sent.map((m) => JSON.stringify(m.payload))).size, 1);
  l.peerLink.receive({
    type: "webrtc:answer",
    payload: { from: "bob", to: "alice", answer: { type: "answer", sdp: "a" } },
  });
  await settle();
  assert.equal(l.pc.signalingState, "stable");
  l.timers.advance(ANSWER_TIMEOUT_MS);
  await settle();
  assert.equal(offers(l.sent).length, 3);
});

Deno.test("peer link: an answered offer is not made again; the callee never re-offers", async () => {
  const caller = link(false);
  caller.pc.addTrack(new FakeTrack("audio"));
  await settle();
  caller.peerLink.receive({
    type: "webrtc:answer",
    payload: { from: "bob", to: "alice", answer: { type: "answer", sdp: "a" } },
  });
  await settle();
  caller.timers.advance(ANSWER_TIMEOUT_MS);
  await settle();
  assert.equal(offers(caller.sent).length, 1);
  const callee = link(true);
  callee.peerLink.resumed();
  callee.timers.advance(ANSWER_TIMEOUT_MS);
  await settle();
  assert.equal(callee.pc.iceRestarts, 0);
});

Deno.test("peer link: signaling back after a drop: the caller offers again at once unless the path is up", async () => {
  const broken = link(false);
  broken.pc.setState("connected");
  broken.pc.setState("disconnected");
  broken.peerLink.resumed();
  await settle();
  assert.equal(broken.pc.iceRestarts, 1);
  const up = link(false);
  up.pc.setState("connected");
  up.peerLink.resumed();
  assert.equal(up.pc.iceRestarts, 0);
});

Deno.test("peer link: media that stops on a connected path: the page hears it is reconnecting at once, and the caller offers again once signaling is renewed", async () => {
  const l = link(false);
  const media = await flowingMedia(l);
  await media.stall();
  assert.deepEqual(l.states.slice(-2), ["connected", "disconnected"]);
  assert.equal(l.pc.iceRestarts, 0);
  l.peerLink.resumed();
  await settle();
  assert.equal(l.pc.iceRestarts, 1);
  await media.flow();
  assert.equal(l.states.at(-1), "connected");
});

Deno.test("peer link: after a change of this device's network, either side restarts ICE once signaling is renewed, on a path that still looks up", async () => {
  for (const polite of [false, true]) {
    const l = link(polite);
    l.pc.setState("connected");
    l.peerLink.networkChanged();
    assert.equal(l.pc.iceRestarts, 0);
    l.peerLink.resumed();
    await settle();
    assert.equal(l.pc.iceRestarts, 1, polite ? "callee" : "caller");
    assert.equal(offers(l.sent).length, 1);
  }
});

Deno.test("peer link: a stall noticed while a restart looks for the new path does not restart it again; one after that does", async () => {
  const l = link(false);
  const media = await flowingMedia(l);
  l.peerLink.networkChanged();
  l.peerLink.resumed();
  await settle();
  l.peerLink.receive({
    type: "webrtc:answer",
    payload: { from: "bob", to: "alice", answer: { type: "answer", sdp: "a" } },
  });
  await settle();
  await media.stall();
  l.peerLink.resumed();
  await settle();
  assert.equal(l.pc.iceRestarts, 1);
  l.timers.advance(RESTART_SETTLE_MS);
  l.peerLink.resumed();
  await settle();
  assert.equal(l.pc.iceRestarts, 2);
});

Deno.test("peer link: a restart the peer started counts too: a stall meanwhile makes no second one", async () => {
  const l = link(false);
  const media = await flowingMedia(l);
  l.peerLink.receive({
    type: "webrtc:offer",
    payload: { from: "bob", to: "alice", offer: { type: "offer", sdp: "o" } },
  });
  await settle();
  await media.stall();
  l.peerLink.resumed();
  await settle();
  assert.equal(l.pc.iceRestarts, 0);
});

Deno.test("peer link: media back after a stall: the video sender starts again from a keyframe", async () => {
  const l = link(false);
  l.peerLink.addStream(
    new FakeMediaStream([
      new FakeTrack("audio"),
      new FakeTrack("video"),
    ]) as unknown as MediaStream,
  );
  const [, video] = l.pc.senders;
  const media = await flowingMedia(l);
  await media.stall();
  assert.equal(video.parameterChanges.length, 0);
  await media.flow();
  assert.deepEqual(
    video.parameterChanges.map((encodings) => encodings[0].active),
    [false, true],
  );
});
