/**
 * Call quality from `getStats`: round trip, loss, bitrate, resolution, and whether media is relayed.
 * @module
 */

/** What the quality indicator shows. */
export interface CallQuality {
  rttMs: number | null;
  lossPercent: number | null;
  bitrateKbps: number | null;
  resolution: string | null;
  path: "direct" | "relayed" | null;
}

/** Counters kept between two readings, to turn totals into rates. */
export interface QualitySnapshot {
  atMs: number;
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
}

type Report = Record<string, unknown> & { type: string; id: string };

/** Reads one `getStats` report against the previous reading. */
export function readQuality(
  stats: {
    forEach(callback: (report: Report) => void): void;
    get(id: string): Report | undefined;
  },
  atMs: number,
  previous: QualitySnapshot | null,
): { quality: CallQuality; snapshot: QualitySnapshot } {
  const snapshot: QualitySnapshot = {
    atMs,
    bytesReceived: 0,
    packetsReceived: 0,
    packetsLost: 0,
  };
  let resolution: string | null = null;
  let pair: Report | undefined;
  stats.forEach((report) => {
    if (report.type === "inbound-rtp") {
      snapshot.bytesReceived += Number(report.bytesReceived ?? 0);
      snapshot.packetsReceived += Number(report.packetsReceived ?? 0);
      snapshot.packetsLost += Math.max(0, Number(report.packetsLost ?? 0));
      if (report.kind === "video" && report.frameWidth) {
        resolution = `${report.frameWidth}×${report.frameHeight}`;
      }
    }
    if (
      report.type === "transport" &&
      typeof report.selectedCandidatePairId === "string"
    ) {
      pair = stats.get(report.selectedCandidatePairId);
    }
  });
  const local = pair && stats.get(String(pair.localCandidateId));
  const remote = pair && stats.get(String(pair.remoteCandidateId));
  const seconds = previous ? (atMs - previous.atMs) / 1000 : 0;
  const received = previous
    ? snapshot.packetsReceived - previous.packetsReceived
    : 0;
  const lost = previous ? snapshot.packetsLost - previous.packetsLost : 0;
  return {
    snapshot,
    quality: {
      rttMs: typeof pair?.currentRoundTripTime === "number"
        ? Math.round(pair.currentRoundTripTime * 1000)
        : null,
      lossPercent: previous && received + lost > 0
        ? Math.round((lost / (received + lost)) * 1000) / 10
        : null,
      bitrateKbps: previous && seconds > 0
        ? Math.round(
          ((snapshot.bytesReceived - previous.bytesReceived) * 8) / seconds /
            1000,
        )
        : null,
      resolution,
      path: local
        ? (local.candidateType === "relay" || remote?.candidateType === "relay"
          ? "relayed"
          : "direct")
        : null,
    },
  };
}
