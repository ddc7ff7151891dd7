import { useSignal } from "@preact/signals";
import { useRef } from "preact/hooks";
import type { ComponentChildren } from "preact";
import type { CallQuality } from "../lib/page/call/quality.ts";
import { pathWords } from "../lib/page/call/words.ts";

function verdict(quality: CallQuality): string {
  if ((quality.lossPercent ?? 0) > 5 || (quality.rttMs ?? 0) > 400) {
    return "poor";
  }
  if ((quality.lossPercent ?? 0) > 1 || (quality.rttMs ?? 0) > 200) {
    return "fair";
  }
  return "good";
}

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

/**
 * The call's quality in a word, with the numbers behind it, and `children`
 * (the verification code), a click away.
 */
export function QualityIndicator(
  props: {
    quality: CallQuality | null;
    bitrates: number[];
    children?: ComponentChildren;
  },
) {
  const open = useSignal(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const q = props.quality;
  return (
    <div
      class="text-sm"
      onKeyDown={(event) => {
        // Escape closes the details from anywhere inside them, focus back on their button.
        if (event.key !== "Escape" || !open.value) return;
        open.value = false;
        toggle.current?.focus();
      }}
    >
      <button
        ref={toggle}
        type="button"
        class="px-2 py-1 rounded-lg bg-gray-100 dark:bg-gray-800"
        aria-expanded={open.value}
        onClick={() => open.value = !open.value}
      >
        Call details {q ? `(quality ${verdict(q)})` : ""}
      </button>
      {open.value && (
        <dl aria-label="Call quality" class="grid grid-cols-2 gap-x-3 mt-2">
          <dt>Round trip</dt>
          <dd>{q?.rttMs != null ? `${q.rttMs} ms` : "—"}</dd>
          <dt>Packet loss</dt>
          <dd>{q?.lossPercent != null ? `${q.lossPercent} %` : "—"}</dd>
          <dt>Bitrate</dt>
          <dd>{q?.bitrateKbps != null ? `${q.bitrateKbps} kbit/s` : "—"}</dd>
          <dt>Resolution</dt>
          <dd>{q?.resolution ?? "—"}</dd>
          <dt>Connection</dt>
          <dd>{pathWords(q?.path ?? null)}</dd>
          <dt>Bitrate trend</dt>
          <dd>
            <Sparkline values={props.bitrates} />
          </dd>
        </dl>
      )}
      {open.value && props.children}
    </div>
  );
}
