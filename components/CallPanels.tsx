import type { ComponentChildren } from "preact";
import type { DeviceChoice } from "../lib/page/call/devices.ts";
import type { CallQuality } from "../lib/page/call/quality.ts";
import type { ChatMessage } from "../lib/page/call/types.ts";
import type { CallPanel, OpenPanels } from "./CallControls.tsx";
import { ChatPanel } from "./ChatPanel.tsx";
import { type DeviceList, DevicePicker } from "./DevicePicker.tsx";
import { QualityDetails } from "./QualityDetails.tsx";

/**
 * The call's open panels, beside its video on a wide screen and below it,
 * as a sheet, on a phone: the call's details (its quality and the
 * verification code), the device switcher, the chat. Escape closes the
 * one focus is in. Loaded when a panel is first opened.
 */
export function CallPanels(
  props: {
    open: OpenPanels;
    onClose(panel: CallPanel): void;
    quality: CallQuality | null;
    bitrates: number[];
    /** How the call is connected, in words. */
    connection: string;
    /** The verification code, under the call's quality. */
    verification: ComponentChildren;
    devices: {
      lists: DeviceList[];
      choice: DeviceChoice;
      onChoose(kind: keyof DeviceChoice, deviceId: string): void;
    };
    peer: string;
    chat: { messages: ChatMessage[]; onSend(text: string): boolean };
  },
) {
  const section = (panel: CallPanel, label: string, body: ComponentChildren) =>
    props.open[panel] && (
      <section
        aria-label={label}
        class="flex flex-col gap-2"
        onKeyDown={(event) => {
          if (event.key !== "Escape") return;
          event.stopPropagation();
          props.onClose(panel);
        }}
      >
        <h2 class="font-semibold">{label}</h2>
        {body}
      </section>
    );
  return (
    <div class="max-h-[45%] md:max-h-full md:w-80 shrink-0 overflow-y-auto flex flex-col gap-4 p-3 rounded-t-2xl md:rounded-xl border bg-white dark:bg-gray-900 dark:border-gray-700">
      {section(
        "details",
        "Call details",
        <>
          <QualityDetails
            quality={props.quality}
            bitrates={props.bitrates}
            connection={props.connection}
          />
          {props.verification}
        </>,
      )}
      {section(
        "devices",
        "Switch camera, microphone or speaker",
        <DevicePicker {...props.devices} />,
      )}
      {section("chat", "Chat", <ChatPanel peer={props.peer} {...props.chat} />)}
    </div>
  );
}
