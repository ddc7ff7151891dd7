import type { PeerState } from "../lib/page/call/types.ts";

/** What the peer says about its media, shown on its video. */
export function PeerBadges(
  props: { state: PeerState; recordingHere: boolean },
) {
  const badges = [
    props.state.muted && "Microphone muted",
    props.state.cameraOff && "Camera off",
    props.state.sharing && "Sharing screen",
    (props.state.recording || props.recordingHere) && "Recording",
  ].filter(Boolean) as string[];
  return (
    <ul aria-label="Peer status" class="flex flex-wrap gap-1">
      {badges.map((badge) => (
        <li
          key={badge}
          class={`px-2 py-0.5 rounded text-xs text-white ${
            badge === "Recording" ? "bg-red-600" : "bg-black/60"
          }`}
        >
          {badge}
        </li>
      ))}
    </ul>
  );
}
