import type { DeviceChoice } from "../lib/page/call/devices.ts";

/** One kind of device the person can choose. */
export interface DeviceList {
  kind: keyof DeviceChoice;
  label: string;
  devices: { deviceId: string; label: string }[];
}

/** Choose camera, microphone and speaker; the choices are remembered. */
export function DevicePicker(
  props: {
    lists: DeviceList[];
    choice: DeviceChoice;
    onChoose(kind: keyof DeviceChoice, deviceId: string): void;
  },
) {
  return (
    <div class="flex flex-wrap gap-3">
      {props.lists.filter((list) => list.devices.length > 0).map((list) => (
        <label key={list.kind} class="flex flex-col text-sm font-medium">
          {list.label}
          <select
            class="mt-1 px-2 py-1 border rounded-lg bg-white dark:bg-gray-800 max-w-[16rem]"
            value={props.choice[list.kind] ?? ""}
            onChange={(event) =>
              props.onChoose(list.kind, event.currentTarget.value)}
          >
            <option value="">Default</option>
            {list.devices.map((device, i) => (
              <option key={device.deviceId} value={device.deviceId}>
                {device.label || `${list.label} ${i + 1}`}
              </option>
            ))}
          </select>
        </label>
      ))}
    </div>
  );
}
