/**
 * "Check my connection" over fake peer connections: each ICE URL tried on
 * its own, what each gathering says of the network, and the sentence for
 * each kind of network.
 * @module
 */
import assert from "node:assert/strict";
import { FakePeerConnection } from "../../../tests/support/fake_webrtc.ts";
import { ManualTimers } from "../../../tests/support/manual_timers.ts";
import {
  CHECK_TIMEOUT_MS,
  checkNetwork,
  type NetworkReport,
} from "./network_check.ts";
import { networkSentence } from "./words.ts";

const candidate = (type: string) => ({
  candidate: `candidate:1 1 udp 1 203.0.113.5 5000 typ ${type}`,
});

/** Runs the check; `answer` plays each connection's gathering, by its one URL. */
async function check(
  servers: RTCIceServer[],
  answer: (url: string, pc: FakePeerConnection) => void,
) {
  const timers = new ManualTimers();
  const made: FakePeerConnection[] = [];
  const result = checkNetwork({
    createPeerConnection: (config) => {
      const pc = new FakePeerConnection(config);
      made.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
  }, servers);
  await new Promise((resolve) => setTimeout(resolve, 0));
  for (const pc of made) answer(String(pc.config.iceServers![0].urls), pc);
  timers.advance(CHECK_TIMEOUT_MS);
  return { report: await result, made };
}

const LAB_SERVERS: RTCIceServer[] = [
  { urls: "stun:relay.test:3478" },
  {
    urls: [
      "turn:relay.test:3478?transport=udp",
      "turn:relay.test:3478?transport=tcp",
      "turns:relay.test:443?transport=tcp",
    ],
    username: "u",
    credential: "c",
  },
];

Deno.test("network check: each URL on a connection of its own, all closed after", async () => {
  const { made } = await check(LAB_SERVERS, (_, pc) => pc.finishGathering());
  assert.deepEqual(made.map((pc) => pc.config.iceServers![0].urls), [
    "stun:relay.test:3478",
    "turn:relay.test:3478?transport=udp",
    "turn:relay.test:3478?transport=tcp",
    "turns:relay.test:443?transport=tcp",
  ]);
  assert.equal(made[1].config.iceServers![0].username, "u");
  assert.ok(made.every((pc) => pc.closed));
});

Deno.test("network check: a corporate network: only the relay over TLS comes back", async () => {
  const { report } = await check(LAB_SERVERS, (url, pc) => {
    if (url.startsWith("turns:")) {
      pc.emitCandidate(candidate("relay"));
      pc.finishGathering();
    }
    // Everything else stays silent until the check gives up on it.
  });
  assert.deepEqual(report, {
    udp: false,
    relayConfigured: true,
    relay: { udp: false, tcp: false, tls: true },
    relayRefused: false,
  });
  assert.equal(
    networkSentence(report),
    "This network blocks everything but web traffic: calls will go through the relay over TLS on port 443.",
  );
});

Deno.test("network check: an open network, and a refused relay", async () => {
  const open = await check(LAB_SERVERS, (url, pc) => {
    pc.emitCandidate(candidate(url.startsWith("stun:") ? "srflx" : "relay"));
    pc.finishGathering();
  });
  assert.match(networkSentence(open.report), /lets calls through/);
  const refused = await check(LAB_SERVERS, (_, pc) => {
    pc.onicecandidateerror?.({ errorCode: 401 });
    pc.finishGathering();
  });
  assert.match(
    networkSentence(refused.report),
    /refused this app's credentials/,
  );
});

Deno.test("network check: the sentence for each kind of network", () => {
  const report = (over: Partial<NetworkReport>): NetworkReport => ({
    udp: false,
    relayConfigured: true,
    relay: { udp: false, tcp: false, tls: false },
    relayRefused: false,
    ...over,
  });
  const cases: [NetworkReport, RegExp][] = [
    [report({ udp: true, relayConfigured: false }), /this server has no relay/],
    [report({ udp: true }), /relay \(TURN\) server cannot be reached/],
    [report({ relay: { udp: false, tcp: true, tls: true } }), /relay over TCP/],
    [
      report({ relayConfigured: false }),
      /no relay \(TURN\) server is configured/,
    ],
    [report({}), /Calls cannot connect.*cannot be reached/],
  ];
  for (const [facts, sentence] of cases) {
    assert.match(networkSentence(facts), sentence);
  }
});
