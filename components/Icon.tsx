/**
 * The call's icons: inline SVG strokes in the text's colour, hidden from
 * screen readers (the button around one carries its name). A few short
 * paths instead of an icon font: nothing to download, nothing to load.
 */
const PATHS = {
  mic:
    "M12 3a3 3 0 0 0-3 3v5a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM5 11a7 7 0 0 0 14 0M12 18v3",
  camera: "M3 7h12v10H3zM15 11l6-4v10l-6-4",
  screen: "M3 4h18v12H3zM8 20h8M12 16v4",
  end: "M3 15c5-5 13-5 18 0l-2 3-4-1v-2.5a9 9 0 0 0-6 0V17l-4 1z",
  more: "M5 12h.5M12 12h.5M19 12h.5",
} as const;

/** The icons there are. */
export type IconName = keyof typeof PATHS;

/** An icon; `struck`: crossed out, for a microphone muted or a camera off. */
export function Icon(props: { name: IconName; struck?: boolean }) {
  return (
    <svg
      aria-hidden="true"
      viewBox="0 0 24 24"
      class="w-6 h-6"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      <path d={PATHS[props.name] + (props.struck ? "M3 3l18 18" : "")} />
    </svg>
  );
}
