import type { ComponentChildren } from "preact";
import { useSignal } from "@preact/signals";
import { Icon, type IconName } from "./Icon.tsx";

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

/** The call's panels: its details, the device switcher, the chat. */
export type CallPanel = "details" | "devices" | "chat";

/** The panels open now; one not named is closed. */
export type OpenPanels = Partial<Record<CallPanel, boolean>>;

/** Gives focus back to **More**, whose menu opens every panel: Escape in one does it. */
export function focusMore(): void {
  document.getElementById("call-more")?.focus();
}

/** Which panels are open and how to open or close one. */
export interface PanelToggles {
  open: OpenPanels;
  /** The name of the details item, with the call's quality in a word. */
  detailsName: string;
  /** Chat messages from the peer not yet seen in the chat. */
  unread: number;
  onToggle(panel: CallPanel): void;
}

/** A round icon button over the video; its name is its `label`. */
function RoundButton(
  props: {
    label: string;
    icon: IconName;
    /** Shown in red: End call. */
    red?: boolean;
    /** A thing this side turned off (the microphone, the camera): pressed, red, its icon struck through. */
    off?: boolean;
    pressed?: boolean;
    expanded?: boolean;
    id?: string;
    onClick(): void;
    children?: ComponentChildren;
  },
) {
  return (
    <button
      type="button"
      id={props.id}
      aria-label={props.label}
      aria-pressed={props.pressed ?? props.off}
      aria-expanded={props.expanded}
      class={`relative w-12 h-12 shrink-0 rounded-full flex items-center justify-center text-white shadow-lg focus:outline-none focus:ring-4 focus:ring-white focus:ring-offset-2 focus:ring-offset-gray-900 ${
        props.red || props.off
          ? "bg-red-600 hover:bg-red-700"
          : props.pressed || props.expanded
          ? "bg-blue-700"
          : "bg-gray-700 hover:bg-gray-600"
      }`}
      onClick={props.onClick}
    >
      <Icon name={props.icon} struck={props.off} />
      {props.children}
    </button>
  );
}

/** One of More's items: a wide button with its name in words. */
function MenuItem(
  props: {
    pressed?: boolean;
    expanded?: boolean;
    onClick(): void;
    children: ComponentChildren;
  },
) {
  return (
    <button
      type="button"
      aria-pressed={props.pressed}
      aria-expanded={props.expanded}
      class={`px-4 py-2 rounded-lg text-left font-medium focus:outline-none focus:ring-2 focus:ring-white ${
        props.pressed ? "bg-red-700" : "hover:bg-gray-700"
      }`}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}

/**
 * In-call controls, round icons floating over the bottom edge of the
 * peer's video: **Mute**, **Camera off**, **Share screen**, **End call**
 * and **More**, which holds the rest: the panels (**Call details**,
 * **Chat**, **Switch camera, microphone or speaker**), **Record** and
 * **Picture in picture**. Each is named as before (the round ones in
 * `aria-label`); `aria-pressed` says whether the microphone is muted, the
 * camera off, the screen shared, the call recorded. A dot on More: chat
 * messages not yet seen.
 */
export function CallControls(
  props: CallControlsProps & { panels: PanelToggles },
) {
  const more = useSignal(false);
  const { panels } = props;
  const item = (action: () => void) => () => {
    more.value = false;
    action();
  };
  const panel = (name: CallPanel) => item(() => panels.onToggle(name));
  const active = props.showToggles;
  const video = active && props.showVideoControls;
  return (
    <div class="flex gap-3 justify-center items-end">
      {active && (
        <RoundButton
          label="Mute"
          icon="mic"
          off={props.muted}
          onClick={props.onMute}
        />
      )}
      {video && (
        <RoundButton
          label="Camera off"
          icon="camera"
          off={props.cameraOff}
          onClick={props.onCamera}
        />
      )}
      {video && (
        <RoundButton
          label="Share screen"
          icon="screen"
          pressed={props.sharing}
          onClick={props.onShare}
        />
      )}
      <RoundButton label="End call" icon="end" red onClick={props.onEnd} />
      {active && (
        <div
          class="relative"
          onKeyDown={(event) => {
            if (event.key !== "Escape" || !more.value) return;
            more.value = false;
            focusMore();
          }}
        >
          <RoundButton
            id="call-more"
            label="More"
            icon="more"
            expanded={more.value}
            onClick={() => more.value = !more.value}
          >
            {panels.unread > 0 && (
              <span class="absolute top-0 right-0 w-3 h-3 rounded-full bg-red-600" />
            )}
          </RoundButton>
          {more.value && (
            <div class="absolute bottom-full right-0 mb-2 w-64 flex flex-col gap-1 p-2 rounded-xl bg-gray-800 text-white">
              <MenuItem
                expanded={panels.open.details}
                onClick={panel("details")}
              >
                {panels.detailsName}
              </MenuItem>
              <MenuItem expanded={panels.open.chat} onClick={panel("chat")}>
                {panels.unread ? `Chat, ${panels.unread} new` : "Chat"}
              </MenuItem>
              <MenuItem
                expanded={panels.open.devices}
                onClick={panel("devices")}
              >
                Switch camera, microphone or speaker
              </MenuItem>
              <MenuItem
                pressed={props.recording}
                onClick={item(props.onRecord)}
              >
                Record
              </MenuItem>
              {props.canPictureInPicture && (
                <MenuItem onClick={item(props.onPictureInPicture)}>
                  Picture in picture
                </MenuItem>
              )}
            </div>
          )}
        </div>
      )}
    </div>
  );
}
