import type { ComponentChildren, RefObject } from "preact";
import { useSignal } from "@preact/signals";
import { useRef } from "preact/hooks";
import type { DeviceChoice } from "../lib/page/call/devices.ts";
import type { CallQuality } from "../lib/page/call/quality.ts";
import type {
  CallState,
  ChatMessage,
  PeerState,
} from "../lib/page/call/types.ts";
import { useIdleFade } from "../lib/page/call/use_idle_fade.ts";
import {
  CallControls,
  type CallControlsProps,
  type CallPanel,
  focusMore,
  type OpenPanels,
} from "./CallControls.tsx";
import type { DeviceList } from "./DevicePicker.tsx";
import { PeerBadges } from "./PeerBadges.tsx";
import { detailsName, pathWords } from "../lib/page/call/words.ts";
import { SelfView } from "./SelfView.tsx";
import {
  KeyStatusLine,
  VerificationCode,
  type VerificationProps,
} from "./VerificationCode.tsx";
import { useLoaded } from "../lib/page/use_loaded.ts";
import { VideoTile } from "./VideoTile.tsx";

/**
 * A call being placed or under way, over the screen: the peer's video
 * filling it (letterboxed, so a shared screen is never cropped), your own
 * picture in a corner you choose, what the peer says of its media and the
 * verification state over its top, and the round controls over its bottom
 * edge, fading while nobody touches them. The call's details, the device
 * switcher and the chat open beside the video on a wide screen and below
 * it, as a sheet, on a phone; Escape closes the one focus is in.
 * `children`: what is offered while it rings out (silencing it).
 */
export function CallView(
  props: {
    state: CallState;
    peer: string;
    remoteStream: MediaStream | null;
    localStream: MediaStream | null;
    remoteVideo: RefObject<HTMLVideoElement | null>;
    peerState: PeerState;
    verification: VerificationProps;
    quality: CallQuality | null;
    /** The call's recent bitrates, for the quality graph. */
    bitrates: number[];
    controls: CallControlsProps;
    devices: {
      lists: DeviceList[];
      choice: DeviceChoice;
      onChoose(kind: keyof DeviceChoice, deviceId: string): void;
    };
    chat: { messages: ChatMessage[]; onSend(text: string): boolean };
    children?: ComponentChildren;
  },
) {
  const { state, peer } = props;
  const active = state === "active";
  // The open panels; none at first.
  const open = useSignal<OpenPanels>({});
  const controls = useRef<HTMLDivElement>(null);
  const shown = useIdleFade(controls, !active);
  const theirs = props.chat.messages.filter((message) => !message.mine);
  // The peer's messages the chat has shown; the rest are new.
  const seen = useRef(0);
  if (open.value.chat) seen.current = theirs.length;
  // The newest of them shows over the call until the chat is opened.
  const latest = theirs.length > seen.current ? theirs.at(-1) : undefined;
  const close = (panel: CallPanel) => {
    open.value = { ...open.value, [panel]: false };
    focusMore();
  };
  const anyOpen = active && Object.values(open.value).some(Boolean);
  // The panels load when one is first opened: many calls open none.
  const Panels = useLoaded(() => import("./CallPanels.tsx"), anyOpen);
  return (
    <section
      aria-label="Call"
      class="flex flex-col md:flex-row gap-2"
      style={{
        height:
          "calc(100dvh - 3.5rem - env(safe-area-inset-top) - env(safe-area-inset-bottom))",
      }}
    >
      <div class="relative flex-1 min-h-[12rem] rounded-xl overflow-hidden bg-gray-900">
        <VideoTile
          testId="remote-video"
          label={`Video from ${peer}`}
          stream={props.remoteStream}
          muted={false}
          fit="contain"
          class="w-full h-full"
          videoRef={props.remoteVideo}
        />
        <SelfView stream={props.localStream} />
        {active && (
          <div class="absolute top-2 left-2 right-[30%] flex flex-col items-start gap-1">
            <PeerBadges
              state={props.peerState}
              recordingHere={props.controls.recording}
            />
            <KeyStatusLine peer={peer} status={props.verification.status} />
          </div>
        )}
        {props.children && (
          <div class="absolute inset-x-0 top-1/3 flex justify-center">
            {props.children}
          </div>
        )}
        {/* Always there, so that what appears in it is read out; it takes no pointer, so it never covers your picture or a control. */}
        <p
          aria-live="polite"
          class="absolute bottom-20 left-2 right-2 pointer-events-none"
        >
          {latest && (
            <span class="inline-block px-3 py-2 rounded-lg bg-black/80 text-white text-sm">
              {peer}: {latest.text}
            </span>
          )}
        </p>
        <div
          ref={controls}
          class={`absolute inset-x-0 bottom-0 px-1 py-3 transition-opacity duration-500 ${
            shown ? "" : "opacity-0 pointer-events-none"
          }`}
        >
          <CallControls
            {...props.controls}
            panels={{
              open: open.value,
              detailsName: detailsName(props.quality),
              unread: theirs.length - seen.current,
              onToggle: (panel) =>
                open.value = { ...open.value, [panel]: !open.value[panel] },
            }}
          />
        </div>
      </div>
      {anyOpen && Panels && (
        <Panels.CallPanels
          open={open.value}
          onClose={close}
          quality={props.quality}
          bitrates={props.bitrates}
          connection={pathWords(props.quality?.path ?? null)}
          verification={<VerificationCode {...props.verification} />}
          devices={props.devices}
          peer={peer}
          chat={props.chat}
        />
      )}
    </section>
  );
}
