import type { CallQuality } from "../lib/page/call/quality.ts";

/** A line of the recent bitrate, where people would rather look than read. */
function Sparkline(props: { values: number[] }) {
  const max = Math.max(1, ...props.values);
  const points = props.values.map((v, i) =>
    `${(i / Math.max(1, props.values.length - 1)) * 120},${30 - (v / max) * 28}`
  );
  return (
    <svg
      width="120"
      height="32"
      role="img"
      aria-label="Bitrate over the last minute"
    >
      <polyline
        points={points.join(" ")}
        fill="none"
        stroke="currentColor"
        stroke-width="2"
      />
    </svg>
  );
}

/** The numbers behind the call's quality, and a line of its recent bitrate. */
export function QualityDetails(
  props: {
    quality: CallQuality | null;
    bitrates: number[];
    /** How the call is connected, in words. */
    connection: string;
  },
) {
  const q = props.quality;
  return (
    <dl aria-label="Call quality" class="grid grid-cols-2 gap-x-3 text-sm">
      <dt>Round trip</dt>
      <dd>{q?.rttMs != null ? `${q.rttMs} ms` : "—"}</dd>
      <dt>Packet loss</dt>
      <dd>{q?.lossPercent != null ? `${q.lossPercent} %` : "—"}</dd>
      <dt>Bitrate</dt>
      <dd>{q?.bitrateKbps != null ? `${q.bitrateKbps} kbit/s` : "—"}</dd>
      <dt>Resolution</dt>
      <dd>{q?.resolution ?? "—"}</dd>
      <dt>Connection</dt>
      <dd>{props.connection}</dd>
      <dt>Bitrate trend</dt>
      <dd>
        <Sparkline values={props.bitrates} />
      </dd>
    </dl>
  );
}
