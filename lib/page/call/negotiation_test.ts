/**
 * The negotiation over a fake peer connection: perfect negotiation,
 * candidates held until the remote description, the data channel, and
 * what it reports about a path that cannot exist.
 * @module
 */
import assert from "node:assert/strict";
import {
  FakeMediaStream,
  FakePeerConnection,
  FakeTrack,
} from "../../../tests/support/fake_webrtc.ts";
import { Negotiation, type PeerEvents } from "./negotiation.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A service over a fake connection, recording every event it reports. */
function service(polite: boolean) {
  let pc!: FakePeerConnection;
  const events: [keyof PeerEvents, unknown][] = [];
  /** What each answer said it answers. */
  const answers: (string | undefined)[] = [];
  const record = (name: keyof PeerEvents) => (value?: unknown) =>
    events.push([name, value]);
  const webrtc = new Negotiation(
    (config) => {
      pc = new FakePeerConnection(config);
      return pc as unknown as RTCPeerConnection;
    },
    { iceServers: [] },
    {
      onDescription: (description, answered) => {
        record("onDescription")(description);
        if (description.type === "answer") answers.push(answered);
      },
      onLocalCandidate: record("onLocalCandidate"),
      onRemoteStream: record("onRemoteStream"),
      onConnectionState: record("onConnectionState"),
      onNoCandidates: record("onNoCandidates"),
      onError: record("onError"),
      onPeerMessage: record("onPeerMessage"),
      onChannelOpen: record("onChannelOpen"),
    },
    { polite },
  );
  const named = (name: keyof PeerEvents) =>
    events.filter(([event]) => event === name).map(([, value]) => value);
  return { webrtc, pc, events, named, answers };
}

const media = () =>
  new FakeMediaStream([
    new FakeTrack("audio"),
    new FakeTrack("video"),
  ]) as unknown as MediaStream;

Deno.test("negotiation: the caller offers once its media is added", async () => {
  const { webrtc, named } = service(false);
  webrtc.addStream(media());
  await settle();
  const [offer] = named("onDescription") as RTCSessionDescriptionInit[];
  assert.equal(offer.type, "offer");
});

Deno.test("negotiation: audio is ranked first once each side's description is set, the caller's and the callee's", async () => {
  const caller = service(false);
  caller.webrtc.addStream(media());
  await settle();
  const callee = service(true);
  callee.webrtc.addStream(media());
  const [offer] = caller.named("onDescription") as RTCSessionDescriptionInit[];
  await callee.webrtc.receiveDescription(offer);
  await settle();
  for (const { pc } of [caller, callee]) {
    const [audio, video] = pc.senders;
    assert.equal(audio.encodings[0].priority, "high");
    assert.equal(audio.encodings[0].networkPriority, "high");
    assert.equal(video.encodings[0].priority, undefined);
  }
});

Deno.test("negotiation: the same answer twice at once (the offer was sent again): the second is ignored, not an error", async () => {
  const { webrtc, named } = service(false);
  webrtc.addStream(media());
  await settle();
  const answer = { type: "answer" as const, sdp: "v=0 answer" };
  await Promise.all([
    webrtc.receiveDescription(answer),
    webrtc.receiveDescription(answer),
  ]);
  assert.deepEqual(named("onError"), []);
});

Deno.test("negotiation: an answer that comes while an unanswered offer is rolled back to offer anew completes it, and the new offer follows: no error", async () => {
  const { webrtc, pc, named } = service(false);
  webrtc.addStream(media());
  await settle();
  const restarts = pc.iceRestarts;
  // The signaling connection came back (the page offers again) just as the
  // answer to its offer arrives on it.
  await Promise.all([
    webrtc.reoffer(),
    webrtc.receiveDescription({ type: "answer", sdp: "v=0 answer" }),
  ]);
  await settle();
  assert.deepEqual(named("onError"), []);
  assert.equal(pc.iceRestarts, restarts + 1);
  const offers = (named("onDescription") as RTCSessionDescriptionInit[])
    .filter((description) => description.type === "offer");
  assert.equal(offers.length, 2, "the first offer, then the restart's");
});

Deno.test("negotiation: the answerer names the offer it answers; an answer naming an older offer than the one waiting is ignored, one naming it is taken", async () => {
  const caller = service(false);
  caller.pc.sdpSession = "caller";
  caller.webrtc.addStream(media());
  await settle();
  const [first] = caller.named("onDescription") as RTCSessionDescriptionInit[];
  await caller.webrtc.reoffer();
  await settle();
  const latest = (caller.named("onDescription") as RTCSessionDescriptionInit[])
    .at(-1)!;
  const versionOf = (sdp?: string) => sdp?.match(/^o=\S+ (\S+ \S+) /m)?.[1];
  assert.notEqual(versionOf(latest.sdp), versionOf(first.sdp));
  const answerTo = async (offer: RTCSessionDescriptionInit) => {
    const callee = service(true);
    callee.pc.sdpSession = "callee";
    await callee.webrtc.receiveDescription(offer);
    const [answer] = callee.named("onDescription");
    assert.deepEqual(callee.answers, [versionOf(offer.sdp)]);
    return answer as RTCSessionDescriptionInit;
  };
  const stale = await answerTo(first);
  const fresh = await answerTo(latest);
  await caller.webrtc.receiveDescription(stale, versionOf(first.sdp));
  assert.equal(caller.pc.signalingState, "have-local-offer", "stale: ignored");
  await caller.webrtc.receiveDescription(fresh, versionOf(latest.sdp));
  assert.equal(caller.pc.signalingState, "stable");
  assert.deepEqual(caller.named("onError"), []);
});

Deno.test("negotiation: the callee's media waits for the caller's offer, then it answers", async () => {
  const { webrtc, pc, named } = service(true);
  webrtc.addStream(media());
  await settle();
  assert.equal(pc.senders.length, 0);
  await webrtc.receiveDescription({ type: "offer", sdp: "v=0 remote" });
  assert.equal(pc.senders.length, 2);
  const [answer] = named("onDescription") as RTCSessionDescriptionInit[];
  assert.equal(answer.type, "answer");
});

Deno.test("negotiation: candidates that arrive before the description wait for it", async () => {
  const { webrtc, pc } = service(true);
  const candidate = { candidate: "candidate:1 1 udp 1 10.0.0.1 5000 typ host" };
  await webrtc.addRemoteCandidate(candidate);
  assert.deepEqual(pc.addedCandidates, []);
  await webrtc.receiveDescription({ type: "offer", sdp: "v=0 remote" });
  assert.deepEqual(pc.addedCandidates, [candidate]);
});

Deno.test("negotiation: offers crossing: the polite side yields, the impolite one ignores theirs", async () => {
  const polite = service(true);
  const impolite = service(false);
  for (const side of [polite, impolite]) {
    side.webrtc.addStream(media());
    await side.pc.setLocalDescription();
  }
  await polite.webrtc.receiveDescription({ type: "offer", sdp: "v=0 theirs" });
  assert.equal(polite.pc.remoteDescription?.sdp, "v=0 theirs");
  await impolite.webrtc.receiveDescription({ type: "offer", sdp: "v=0 x" });
  assert.equal(impolite.pc.remoteDescription, null);
});

Deno.test("negotiation: gathering that ends with no candidate says so; a 401 from the relay is remembered", () => {
  const { webrtc, pc, named } = service(false);
  pc.onicecandidateerror?.({ errorCode: 401 });
  pc.finishGathering();
  assert.equal(named("onNoCandidates").length, 1);
  assert.equal(webrtc.gathering.relayRefusedCredentials, true);
});

Deno.test("negotiation: the data channel carries JSON both ways once open; nothing goes before", () => {
  const { webrtc, pc, named } = service(false);
  assert.equal(webrtc.sendToPeer({ type: "chat", text: "early" }), false);
  pc.channel.open();
  assert.equal(named("onChannelOpen").length, 1);
  assert.equal(webrtc.sendToPeer({ type: "chat", text: "hi" }), true);
  assert.deepEqual(pc.channel.sent, [{ type: "chat", text: "hi" }]);
  pc.channel.receive({ type: "state", muted: true });
  assert.deepEqual(named("onPeerMessage"), [{ type: "state", muted: true }]);
});

Deno.test("negotiation: new ICE servers reach the live connection; close silences it", () => {
  const { webrtc, pc, named } = service(false);
  webrtc.setIceServers([{ urls: "turn:127.0.0.1:3478" }]);
  assert.deepEqual(pc.config.iceServers, [{ urls: "turn:127.0.0.1:3478" }]);
  webrtc.close();
  pc.setState("failed");
  assert.equal(pc.closed, true);
  assert.deepEqual(named("onConnectionState"), []);
});

Deno.test("negotiation: an answer to an offer since rolled back is ignored, not an error", async () => {
  const { webrtc, pc } = service(false);
  assert.equal(pc.signalingState, "stable");
  await webrtc.receiveDescription({ type: "answer", sdp: "v=0 late" });
  assert.equal(pc.remoteDescription, null);
});
