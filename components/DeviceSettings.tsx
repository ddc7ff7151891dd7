import type { DeviceChoice } from "../lib/page/call/devices.ts";
import { type DeviceList, DevicePicker } from "./DevicePicker.tsx";
import { LevelMeter } from "./LevelMeter.tsx";
import { VideoTile } from "./VideoTile.tsx";

/** What the devices panel (`DevicesPanel.tsx`) shows and does. */
export interface DevicesPanelProps {
  open: boolean;
  onToggle(open: boolean): void;
  /** The camera preview while the panel is open. */
  preview: MediaStream | null;
  lists: DeviceList[];
  choice: DeviceChoice;
  onChoose(kind: keyof DeviceChoice, deviceId: string): void;
  /** Whether devices start while a call rings; null where nothing rings (a link's guest). */
  startOnRing: boolean | null;
  onStartOnRing(on: boolean): void;
}

/** Inside the devices panel: the preview, the choices, the level, starting while it rings. */
export function DeviceSettings(props: DevicesPanelProps) {
  return (
    <div class="flex flex-wrap gap-4 items-start mt-3">
      <VideoTile
        testId="preview-video"
        label="Camera preview"
        stream={props.preview}
        muted
        class="w-48 aspect-video"
      />
      <div class="flex flex-col gap-3">
        <DevicePicker
          lists={props.lists}
          choice={props.choice}
          onChoose={props.onChoose}
        />
        <LevelMeter stream={props.preview} />
        {props.startOnRing !== null && (
          <label class="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={props.startOnRing}
              onChange={(event) =>
                props.onStartOnRing(event.currentTarget.checked)}
            />
            Start camera and microphone while a call rings
          </label>
        )}
      </div>
    </div>
  );
}
