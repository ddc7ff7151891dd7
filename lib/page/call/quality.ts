/**
 * Call quality from `getStats`: round trip, loss, bitrate, resolution, and
 * the media's path (direct or relayed, over UDP, TCP or TLS), in Chromium's
 * and Firefox's shapes of the statistics.
 * @module
 */

/** How media reaches the peer: straight, or through the relay; and over which transport. */
export interface MediaPath {
  route: "direct" | "relayed";
  /** This side's leg: to the peer, or to the relay when this side is relayed. */
  transport: "UDP" | "TCP" | "TLS";
}

/** What the quality indicator shows. */
export interface CallQuality {
  rttMs: number | null;
  lossPercent: number | null;
  bitrateKbps: number | null;
  resolution: string | null;
  path: MediaPath | null;
}

/** Counters kept between two readings, to turn totals into rates. */
export interface QualitySnapshot {
  atMs: number;
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
}

type Report = Record<string, unknown> & { type: string; id: string };

/** The path of the selected pair, from its two candidates. */
function pathOf(local: Report, remote: Report | undefined): MediaPath {
  const relayed = local.candidateType === "relay";
  const transport = String(
    relayed ? local.relayProtocol ?? local.protocol : local.protocol,
  ).toUpperCase();
  return {
    route: relayed || remote?.candidateType === "relay" ? "relayed" : "direct",
    transport: transport === "TLS" || transport === "TCP" ? transport : "UDP",
  };
}

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
  // Firefox has no transport stats: it marks the pair in use as `selected`.
  stats.forEach((report) => {
    if (!pair && report.type === "candidate-pair" && report.selected) {
      pair = report;
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
      path: local ? pathOf(local, remote) : null,
    },
  };
}

/** How often the call's quality is read from `getStats`. */
export const QUALITY_EVERY_MS = 2_000;

/**
 * Reads the call's quality every `QUALITY_EVERY_MS` until the returned
 * function is called; a reading that fails is skipped (statistics are best
 * effort).
 */
export function sampleQuality(
  timers: {
    setTimeout(callback: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
  },
  stats: () => Promise<RTCStatsReport>,
  reading: (quality: CallQuality) => void,
): () => void {
  let snapshot: QualitySnapshot | null = null;
  let timer: unknown = null;
  let stopped = false;
  const next = () => {
    timer = timers.setTimeout(async () => {
      try {
        const read = readQuality(
          await stats() as unknown as Parameters<typeof readQuality>[0],
          Date.now(),
          snapshot,
        );
        if (stopped) return;
        snapshot = read.snapshot;
        reading(read.quality);
      } catch {
        // The next reading may work.
      }
      if (!stopped) next();
    }, QUALITY_EVERY_MS);
  };
  next();
  return () => {
    stopped = true;
    timers.clearTimeout(timer);
  };
}
