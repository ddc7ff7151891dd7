import assert from "node:assert/strict";
import { fingerprintInSdp, transportKeys } from "./transport_keys.ts";

const OURS = "AA:BB:CC";
const THEIRS = "11:22:33";

/** A peer connection that reports `stats` and has these descriptions applied. */
function connection(
  stats: Record<string, unknown>[],
  state: RTCPeerConnectionState,
  local?: string,
  remote?: string,
): RTCPeerConnection {
  return {
    getStats: () =>
      Promise.resolve(
        new Map(stats.map((report) => [report.id as string, report])),
      ),
    connectionState: state,
    localDescription: local ? { type: "offer", sdp: local } : null,
    remoteDescription: remote ? { type: "answer", sdp: remote } : null,
  } as unknown as RTCPeerConnection;
}

const CHROMIUM_STATS = [
  {
    id: "T01",
    type: "transport",
    dtlsState: "connected",
    localCertificateId: "CFours",
    remoteCertificateId: "CFtheirs",
  },
  {
    id: "CFours",
    type: "certificate",
    fingerprint: OURS,
    fingerprintAlgorithm: "sha-256",
  },
  {
    id: "CFtheirs",
    type: "certificate",
    fingerprint: THEIRS,
    fingerprintAlgorithm: "sha-256",
  },
];

/** Chromium writes the fingerprint in each media section; Firefox once, at the top. */
const SDP_OURS =
  `v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\na=fingerprint:sha-256 ${OURS}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n`;
const SDP_THEIRS =
  `v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:SHA-256 ${THEIRS}\r\n`;

Deno.test("transport keys: Chromium's certificate statistics of the connected transport", async () => {
  assert.deepEqual(
    await transportKeys(connection(CHROMIUM_STATS, "connected")),
    { local: `sha-256 ${OURS}`, remote: `sha-256 ${THEIRS}` },
  );
});

Deno.test("transport keys: none while DTLS is not connected", async () => {
  const connecting = CHROMIUM_STATS.map((report) =>
    report.type === "transport"
      ? { ...report, dtlsState: "connecting" }
      : report
  );
  assert.equal(
    await transportKeys(
      connection(connecting, "connecting", SDP_OURS, SDP_THEIRS),
    ),
    null,
  );
});

Deno.test("transport keys: Firefox, without certificate statistics, from the applied descriptions once connected", async () => {
  const firefoxStats = [{ id: "x", type: "inbound-rtp" }];
  assert.deepEqual(
    await transportKeys(
      connection(firefoxStats, "connected", SDP_OURS, SDP_THEIRS),
    ),
    { local: `sha-256 ${OURS}`, remote: `sha-256 ${THEIRS}` },
  );
  assert.equal(
    await transportKeys(connection(firefoxStats, "connected", SDP_OURS)),
    null,
    "no remote description: no keys",
  );
});

Deno.test("transport keys: a description's fingerprint, wherever it is written", () => {
  assert.equal(fingerprintInSdp(SDP_OURS), `sha-256 ${OURS}`);
  assert.equal(fingerprintInSdp(SDP_THEIRS), `sha-256 ${THEIRS}`);
  assert.equal(fingerprintInSdp("v=0\r\n"), null);
  assert.equal(fingerprintInSdp(undefined), null);
});
