import type { HistoryEntry } from "../lib/wire/people_api.ts";
import { Button } from "./Button.tsx";

/** One call of the history in words: who, which way, how it went. */
export function historySentence(entry: HistoryEntry): string {
  const { outcome } = entry;
  const peer = entry.guest ? `${entry.guest.name} (guest link)` : entry.peer;
  if (entry.direction === "incoming") {
    return outcome === "missed"
      ? `Missed call from ${peer}`
      : outcome === "answered"
      ? `Call from ${peer}`
      : `Call from ${peer}, ${outcome}`;
  }
  return outcome === "answered"
    ? `Call to ${peer}`
    : `Call to ${peer}, ${outcome}`;
}

/** How long a call lasted, in words. */
function lasted(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

/** One entry of the call history, with a way to call back. */
export function HistoryItem(
  props: { entry: HistoryEntry; onCallBack(peer: string): void },
) {
  const { entry } = props;
  const missed = entry.direction === "incoming" && entry.outcome === "missed";
  return (
    <li class="flex flex-wrap items-center gap-3" data-outcome={entry.outcome}>
      <span
        class={missed ? "font-semibold text-red-700 dark:text-red-400" : ""}
      >
        {historySentence(entry)}
      </span>
      <span class="text-sm text-gray-600 dark:text-gray-300">
        {new Date(entry.startedAt).toLocaleString()}
        {entry.outcome === "answered" && `, ${lasted(entry.durationS)}`}
      </span>
      {!entry.guest && (
        <Button
          aria-label={`Call back ${entry.peer}`}
          onClick={() => props.onCallBack(entry.peer)}
        >
          Call back
        </Button>
      )}
    </li>
  );
}
