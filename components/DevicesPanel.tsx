import { useLoaded } from "../lib/page/use_loaded.ts";
import type { DevicesPanelProps } from "./DeviceSettings.tsx";

/**
 * Between calls: the camera preview, the choice of camera, microphone and
 * speaker with the microphone's level, and whether they start while a call
 * rings. What is inside loads when the panel is first opened: most visits
 * never open it.
 */
export function DevicesPanel(props: DevicesPanelProps) {
  const Settings = useLoaded(() => import("./DeviceSettings.tsx"), props.open);
  return (
    <details
      class="border rounded-xl p-3 dark:border-gray-700"
      open={props.open}
      onToggle={(event) => props.onToggle(event.currentTarget.open)}
    >
      <summary class="cursor-pointer font-medium">
        Camera, microphone and speaker
      </summary>
      {Settings && <Settings.DeviceSettings {...props} />}
    </details>
  );
}
