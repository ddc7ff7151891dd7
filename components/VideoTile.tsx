import type { Ref } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** A video element showing a stream; `muted` for the local preview. */
export function VideoTile(
  props: {
    stream: MediaStream | null;
    muted: boolean;
    label: string;
    testId: string;
    class?: string;
    /** `contain`: letterboxed, never cropped (the peer's video, a shared screen); `cover` by default. */
    fit?: "cover" | "contain";
    /** Where the element is handed to whoever needs it (e.g. for picture-in-picture). */
    videoRef?: Ref<HTMLVideoElement>;
  },
) {
  const own = useRef<HTMLVideoElement>(null);
  const ref =
    (props.videoRef as { current: HTMLVideoElement | null } | undefined) ?? own;
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== props.stream) {
      ref.current.srcObject = props.stream;
    }
  }, [props.stream]);
  return (
    <video
      ref={ref}
      data-testid={props.testId}
      aria-label={props.label}
      class={`bg-gray-900 rounded-xl ${
        props.fit === "contain" ? "object-contain" : "object-cover"
      } ${props.class ?? ""}`}
      autoplay
      playsInline
      muted={props.muted}
    />
  );
}
