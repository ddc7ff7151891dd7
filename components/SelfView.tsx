import { useSignal } from "@preact/signals";
import { useRef } from "preact/hooks";
import { VideoTile } from "./VideoTile.tsx";

/** The corners your picture may sit in, in the order a press moves it. */
const CORNERS = [
  "top-2 right-2",
  "bottom-20 right-2",
  "bottom-20 left-2",
  "top-2 left-2",
];

/**
 * Your own picture, a small tile in a corner of the call that you can
 * move: drag it to another corner, or press it (a click, Enter or Space)
 * to move it to the next one.
 */
export function SelfView(props: { stream: MediaStream | null }) {
  const corner = useSignal(0);
  const from = useRef<{ x: number; y: number } | null>(null);
  return (
    <button
      type="button"
      aria-label="Move your picture"
      class={`absolute ${
        CORNERS[corner.value]
      } w-1/4 max-w-[12rem] min-w-[6rem] aspect-video rounded-xl border-2 border-white touch-none focus:outline-none focus:ring-4 focus:ring-blue-300`}
      onPointerDown={(event) => {
        event.currentTarget.setPointerCapture(event.pointerId);
        from.current = { x: event.clientX, y: event.clientY };
      }}
      onPointerUp={(event) => {
        const start = from.current;
        from.current = null;
        if (
          !start ||
          Math.hypot(event.clientX - start.x, event.clientY - start.y) < 10
        ) return;
        // Dropped: the corner of the call nearest to where it was let go.
        const call = event.currentTarget.parentElement!.getBoundingClientRect();
        const right = event.clientX > call.left + call.width / 2;
        const bottom = event.clientY > call.top + call.height / 2;
        corner.value = bottom ? (right ? 1 : 2) : (right ? 0 : 3);
        event.currentTarget.dataset.dragged = "1";
      }}
      onClick={(event) => {
        // The click that ends a drag does not move it again.
        if (event.currentTarget.dataset.dragged) {
          delete event.currentTarget.dataset.dragged;
          return;
        }
        corner.value = (corner.value + 1) % CORNERS.length;
      }}
    >
      <VideoTile
        testId="local-video"
        label="Your camera"
        stream={props.stream}
        muted
        class="w-full h-full"
      />
    </button>
  );
}
