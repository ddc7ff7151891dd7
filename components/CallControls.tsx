import type { ComponentChildren } from "preact";
import { Button } from "./Button.tsx";

const PRESSED = "ring-2 ring-red-500 bg-red-100 dark:bg-red-900";

function Toggle(
  props: { pressed: boolean; onClick(): void; children: ComponentChildren },
) {
  return (
    <Button
      round
      aria-pressed={props.pressed}
      class={props.pressed ? PRESSED : ""}
      onClick={props.onClick}
    >
      {props.children}
    </Button>
  );
}

/** What the controls show and do. */
export interface CallControlsProps {
  muted: boolean;
  cameraOff: boolean;
  sharing: boolean;
  recording: boolean;
  showToggles: boolean;
  showVideoControls: boolean;
  canPictureInPicture: boolean;
  onMute(): void;
  onCamera(): void;
  onShare(): void;
  onRecord(): void;
  onPictureInPicture(): void;
  onEnd(): void;
}

/**
 * In-call controls, round, floating over the bottom edge of the peer's
 * video. Toggle buttons keep their names; `aria-pressed` says whether the
 * microphone is muted, the camera off, the screen shared, the call
 * recorded.
 */
export function CallControls(props: CallControlsProps) {
  return (
    <div class="flex flex-wrap gap-2 justify-center">
      {props.showToggles && (
        <Toggle pressed={props.muted} onClick={props.onMute}>Mute</Toggle>
      )}
      {props.showToggles && props.showVideoControls && (
        <Toggle pressed={props.cameraOff} onClick={props.onCamera}>
          Camera off
        </Toggle>
      )}
      {props.showToggles && props.showVideoControls && (
        <Toggle pressed={props.sharing} onClick={props.onShare}>
          Share screen
        </Toggle>
      )}
      {props.showToggles && (
        <Toggle pressed={props.recording} onClick={props.onRecord}>
          Record
        </Toggle>
      )}
      {props.showToggles && props.canPictureInPicture && (
        <Button round onClick={props.onPictureInPicture}>
          Picture in picture
        </Button>
      )}
      <Button round tone="danger" onClick={props.onEnd}>End call</Button>
    </div>
  );
}
