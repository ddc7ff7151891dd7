/**
 * Renewing a call's connection, between two peer links over fake
 * connections that pass their messages to each other: after a change of
 * network the new connections carry the old media, the peer renews its
 * side, what the replaced connections still send is ignored, and two
 * renewals at once settle on the caller's.
 * @module
 */
import assert from "node:assert/strict";
import { signal } from "@preact/signals";
import type { ClientMessage, ServerMessage } from "../../wire/protocol.ts";
import {
  FakeMediaStream,
  FakePeerConnection,
  FakeTrack,
} from "../../../tests/support/fake_webrtc.ts";
import { flowingMedia } from "../../../tests/support/flowing_media.ts";
import { ManualTimers } from "../../../tests/support/manual_timers.ts";
import { PeerLink } from "./peer_link.ts";
import { carriedMedia, ofCurrentGeneration, sessionOf } from "./renewal.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

type Negotiation = Extract<
  ServerMessage,
  { type: "webrtc:offer" | "webrtc:answer" | "webrtc:candidate" }
>;

let sessions = 0;

/** One side of a call: its link, every connection it made, what it reported. */
function side(self: string, peer: string, polite: boolean, lasting = true) {
  const timers = new ManualTimers();
  const pcs: FakePeerConnection[] = [];
  const sent: ClientMessage[] = [];
  const states: RTCPeerConnectionState[] = [];
  const streams: MediaStream[] = [];
  const failures: string[] = [];
  const tracks = [new FakeTrack("audio"), new FakeTrack("video")];
  const link = new PeerLink(
    {
      createPeerConnection: (config) => {
        const pc = new FakePeerConnection(config);
        pc.sdpSession = `${++sessions}`;
        pcs.push(pc);
        return pc as unknown as RTCPeerConnection;
      },
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
    },
    {
      peer,
      polite,
      iceServers: signal([]),
      iceTransportPolicy: "all",
      certificate: lasting ? {} as RTCCertificate : null,
    },
    {
      send: (message) => sent.push(message),
      remoteStream: (stream) => streams.push(stream),
      connectionState: (state) => states.push(state),
      quality: () => {},
      channelOpen: () => {},
      peerMessage: () => {},
      failed: (sentence) => failures.push(sentence),
      secured: () => {},
    },
  );
  link.addStream(new FakeMediaStream(tracks) as unknown as MediaStream);
  return {
    self,
    link,
    timers,
    pcs,
    sent,
    states,
    streams,
    failures,
    tracks,
    get pc() {
      return pcs.at(-1)!;
    },
  };
}

type Side = ReturnType<typeof side>;

/** What `from` sent to the peer so far, as the peer receives it; taken from its outbox. */
function take(from: Side): Negotiation[] {
  return from.sent.splice(0).flatMap((message) =>
    message.type.startsWith("webrtc:")
      ? [{
        type: message.type,
        payload: { ...message.payload, from: from.self },
      } as Negotiation]
      : []
  );
}

/** Passes messages both ways until neither side has anything more to say. */
async function exchange(a: Side, b: Side): Promise<void> {
  for (let round = 0; round < 10; round++) {
    await settle();
    const [toB, toA] = [take(a), take(b)];
    if (toA.length + toB.length === 0) return;
    for (const message of toB) b.link.receive(message);
    for (const message of toA) a.link.receive(message);
    await settle();
  }
}

/** A connected call: alice (the caller) and bob. */
async function call(lasting = true) {
  const alice = side("alice", "bob", false, lasting);
  const bob = side("bob", "alice", true, lasting);
  await exchange(alice, bob);
  for (const each of [alice, bob]) each.pc.setState("connected");
  return { alice, bob };
}

const kindsAndTracks = (pc: FakePeerConnection) =>
  carriedMedia(pc as unknown as RTCPeerConnection).map((
    { kind, track, sends },
  ) => [kind, track, sends]);

Deno.test("renewal: after its network changes, a side renews its connection with the same media lines and tracks; the peer renews its own to answer", async () => {
  for (const mover of ["caller", "callee"] as const) {
    const { alice, bob } = await call();
    const [moving, other] = mover === "caller" ? [alice, bob] : [bob, alice];
    const before = [kindsAndTracks(moving.pc), kindsAndTracks(other.pc)];
    moving.link.networkChanged();
    moving.link.resumed();
    assert.equal(moving.pcs.length, 2, mover);
    assert.ok(moving.pcs[0].closed);
    assert.equal(moving.states.at(-1), "disconnected");
    assert.ok(moving.link.renewing);
    await exchange(alice, bob);
    assert.equal(other.pcs.length, 2);
    assert.ok(other.pcs[0].closed);
    assert.deepEqual(
      [kindsAndTracks(moving.pc), kindsAndTracks(other.pc)],
      before,
    );
    for (const each of [alice, bob]) {
      assert.equal(each.pc.signalingState, "stable");
      assert.equal(
        sessionOf(each.pc.remoteDescription?.sdp),
        (mover === "caller" ? [alice, bob] : [bob, alice])
          .find((s) => s !== each)!.pc.sdpSession,
      );
      // Starting up, the new connection is the call still reconnecting.
      each.pc.setState("connecting");
      assert.equal(each.states.at(-1), "disconnected");
      each.pc.setState("connected");
      assert.equal(each.states.at(-1), "connected");
      assert.ok(!each.link.renewing);
      assert.deepEqual(each.failures, []);
    }
  }
});

Deno.test("renewal: the peer's media on the new connection is shown once it connects, the old frame staying till then", async () => {
  const { alice, bob } = await call();
  alice.link.networkChanged();
  alice.link.resumed();
  await exchange(alice, bob);
  const shown = bob.streams.length;
  bob.pc.emitTrack(new FakeMediaStream([new FakeTrack("video")]));
  assert.equal(bob.streams.length, shown);
  bob.pc.setState("connected");
  assert.equal(bob.streams.length, shown + 1);
});

Deno.test("renewal: what the replaced connections still send is ignored: a late answer, a late ICE restart offer, candidates of the old connection", async () => {
  const { alice, bob } = await call();
  // bob's old connection restarts ICE just as alice moves: its offer and candidates come late.
  bob.link.resumed();
  bob.pcs[0].restartIce();
  await settle();
  const late = take(bob);
  bob.pcs[0].emitCandidate({
    candidate: "candidate:9 1 udp 1 198.51.100.9 5000 typ host",
    sdpMid: "0",
    usernameFragment: "old",
  });
  late.push(...take(bob));
  alice.link.networkChanged();
  alice.link.resumed();
  await exchange(alice, bob);
  const answered = alice.pc.remoteDescription;
  for (const message of late) alice.link.receive(message);
  await settle();
  assert.equal(alice.pcs.length, 2, "no second renewal");
  assert.deepEqual(alice.pc.remoteDescription, answered);
  assert.deepEqual(alice.pc.addedCandidates, []);
  assert.deepEqual(alice.failures, []);
});

Deno.test("renewal: a description's session is read from its o= line, a candidate's ICE generation from its username fragment", () => {
  const sdp = "v=0\r\na=ice-ufrag:abcd\r\nm=audio\r\na=ice-ufrag:efgh\r\n";
  const candidate = (usernameFragment?: string) => ({
    candidate: "candidate:1 1 udp 1 10.0.0.1 5000 typ host",
    usernameFragment,
  });
  assert.equal(ofCurrentGeneration(candidate("efgh"), sdp), true);
  assert.equal(ofCurrentGeneration(candidate("old1"), sdp), false);
  assert.equal(ofCurrentGeneration(candidate(), sdp), true, "cannot tell");
  assert.equal(ofCurrentGeneration(candidate("old1"), "v=0"), true);
  assert.equal(
    sessionOf("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"),
    "4611731400430051336",
  );
  assert.equal(sessionOf("v=0"), null);
});

Deno.test("renewal: both sides renew at once: the callee's new connection gives way, and one pair of connections is left, answered", async () => {
  const { alice, bob } = await call();
  for (const each of [alice, bob]) {
    each.link.networkChanged();
    each.link.resumed();
  }
  await exchange(alice, bob);
  assert.equal(alice.pcs.length, 2);
  assert.equal(bob.pcs.length, 3, "bob's own renewal gave way to alice's");
  assert.ok(bob.pcs.slice(0, 2).every((pc) => pc.closed));
  assert.equal(alice.pc.signalingState, "stable");
  assert.equal(sessionOf(bob.pc.remoteDescription?.sdp), alice.pc.sdpSession);
  assert.equal(sessionOf(alice.pc.remoteDescription?.sdp), bob.pc.sdpSession);
  assert.deepEqual(
    kindsAndTracks(bob.pc).map(([kind, track]) => [kind, track]),
    [
      ["audio", bob.tracks[0]],
      ["video", bob.tracks[1]],
    ],
  );
});

Deno.test("renewal: both sides renew at once and the caller's offer is lost (the callee's socket was not back yet): the callee's offer meeting it sends it again at once, not after the answer timer", async () => {
  const { alice, bob } = await call();
  for (const each of [alice, bob]) {
    each.link.networkChanged();
    each.link.resumed();
  }
  await settle();
  take(alice);
  for (const message of take(bob)) alice.link.receive(message);
  await settle();
  const again = take(alice);
  assert.equal(
    again.filter((message) => message.type === "webrtc:offer").length,
    1,
  );
  for (const message of again) bob.link.receive(message);
  await exchange(alice, bob);
  assert.equal(alice.pc.signalingState, "stable");
  assert.equal(sessionOf(bob.pc.remoteDescription?.sdp), alice.pc.sdpSession);
  assert.equal(sessionOf(alice.pc.remoteDescription?.sdp), bob.pc.sdpSession);
});

Deno.test("renewal: the browser giving up on a path that carried media a moment ago (Firefox, whose network went) renews on the next resume; a path seen to stall first restarts ICE", async () => {
  const { alice } = await call();
  alice.pc.setState("disconnected");
  alice.link.resumed();
  assert.equal(alice.pcs.length, 2);

  const { alice: stalled } = await call();
  await (await flowingMedia(stalled)).stall();
  assert.equal(stalled.states.at(-1), "disconnected");
  stalled.pc.setState("disconnected");
  stalled.link.resumed();
  await settle();
  assert.equal(stalled.pcs.length, 1);
  assert.equal(stalled.pc.iceRestarts, 1);
});

Deno.test("renewal: without a lasting certificate the verification code would change: a network change restarts ICE instead", async () => {
  const { alice } = await call(false);
  alice.link.networkChanged();
  alice.link.resumed();
  await settle();
  assert.equal(alice.pcs.length, 1);
  assert.equal(alice.pc.iceRestarts, 1);
});
