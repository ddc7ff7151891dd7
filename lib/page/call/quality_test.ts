import assert from "node:assert/strict";
import { readQuality } from "./quality.ts";

function stats(reports: Record<string, unknown>[]) {
  const byId = new Map(reports.map((r) => [r.id as string, r]));
  return {
    forEach: (callback: (r: never) => void) =>
      reports.forEach((r) => callback(r as never)),
    get: (id: string) => byId.get(id) as never,
  };
}

const pair = [
  { id: "T", type: "transport", selectedCandidatePairId: "P" },
  {
    id: "P",
    type: "candidate-pair",
    localCandidateId: "L",
    remoteCandidateId: "R",
    currentRoundTripTime: 0.042,
  },
  { id: "L", type: "local-candidate", candidateType: "host", protocol: "udp" },
  { id: "R", type: "remote-candidate", candidateType: "relay" },
];

Deno.test("quality: rates between two readings, round trip, resolution and path", () => {
  const first = readQuality(
    stats([...pair, {
      id: "V",
      type: "inbound-rtp",
      kind: "video",
      bytesReceived: 1_000,
      packetsReceived: 100,
      packetsLost: 0,
    }]),
    0,
    null,
  );
  assert.deepEqual(first.quality, {
    rttMs: 42,
    lossPercent: null,
    bitrateKbps: null,
    resolution: null,
    path: { route: "relayed", transport: "UDP" },
  });
  const second = readQuality(
    stats([
      ...pair,
      {
        id: "V",
        type: "inbound-rtp",
        kind: "video",
        bytesReceived: 251_000,
        packetsReceived: 290,
        packetsLost: 10,
        frameWidth: 640,
        frameHeight: 480,
      },
      {
        id: "A",
        type: "inbound-rtp",
        kind: "audio",
        bytesReceived: 0,
        packetsReceived: 0,
        packetsLost: 0,
      },
    ]),
    2_000,
    first.snapshot,
  );
  assert.deepEqual(second.quality, {
    rttMs: 42,
    lossPercent: 5,
    bitrateKbps: 1_000,
    resolution: "640×480",
    path: { route: "relayed", transport: "UDP" },
  });
});

Deno.test("quality: nothing known yet is said as unknown, not as zero", () => {
  const { quality } = readQuality(stats([]), 0, null);
  assert.deepEqual(quality, {
    rttMs: null,
    lossPercent: null,
    bitrateKbps: null,
    resolution: null,
    path: null,
  });
});

Deno.test("quality: this side relayed over TLS; Firefox's selected pair without transport stats", () => {
  const { quality } = readQuality(
    stats([
      {
        id: "P",
        type: "candidate-pair",
        selected: true,
        localCandidateId: "L",
        remoteCandidateId: "R",
      },
      {
        id: "L",
        type: "local-candidate",
        candidateType: "relay",
        protocol: "udp",
        relayProtocol: "tls",
      },
      { id: "R", type: "remote-candidate", candidateType: "srflx" },
    ]),
    0,
    null,
  );
  assert.deepEqual(quality.path, { route: "relayed", transport: "TLS" });
});

Deno.test("quality: a direct path over TCP", () => {
  const { quality } = readQuality(
    stats([
      pair[0],
      pair[1],
      {
        id: "L",
        type: "local-candidate",
        candidateType: "srflx",
        protocol: "tcp",
      },
      { id: "R", type: "remote-candidate", candidateType: "host" },
    ]),
    0,
    null,
  );
  assert.deepEqual(quality.path, { route: "direct", transport: "TCP" });
});
