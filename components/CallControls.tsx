import { Button } from "./Button.tsx";

const PRESSED = "ring-2 ring-red-500 bg-red-100";

/**
 * In-call controls. Mute and Camera off are toggle buttons whose names stay
 * the same; `aria-pressed` says whether the microphone is muted and whether
 * the camera is off.
 */
export function CallControls(
  props: {
    muted: boolean;
    cameraOff: boolean;
    showToggles: boolean;
    showCamera: boolean;
    onMute(): void;
    onCamera(): void;
    onEnd(): void;
  },
) {
  return (
    <div class="flex flex-wrap gap-2 justify-center">
      {props.showToggles && (
        <Button
          aria-pressed={props.muted}
          class={props.muted ? PRESSED : ""}
          onClick={props.onMute}
        >
          Mute
        </Button>
      )}
      {props.showToggles && props.showCamera && (
        <Button
          aria-pressed={props.cameraOff}
          class={props.cameraOff ? PRESSED : ""}
          onClick={props.onCamera}
        >
          Camera off
        </Button>
      )}
      <Button tone="danger" onClick={props.onEnd}>End call</Button>
    </div>
  );
}
