import type { RefObject } from "preact";
import type { DeviceChoice } from "../lib/page/call/devices.ts";
import type { CallQuality } from "../lib/page/call/quality.ts";
import type {
  CallState,
  ChatMessage,
  PeerState,
} from "../lib/page/call/types.ts";
import { CallControls, type CallControlsProps } from "./CallControls.tsx";
import { ChatPanel } from "./ChatPanel.tsx";
import { type DeviceList, DevicePicker } from "./DevicePicker.tsx";
import { PeerBadges } from "./PeerBadges.tsx";
import { QualityIndicator } from "./QualityIndicator.tsx";
import {
  KeyStatusLine,
  VerificationCode,
  type VerificationProps,
} from "./VerificationCode.tsx";
import { VideoTile } from "./VideoTile.tsx";

/**
 * A call being placed or under way: the peer's video filling the screen's
 * height (letterboxed, so a shared screen is never cropped) with this
 * side's in its corner, what the peer says of its media and the
 * verification state over its top, the round controls over its bottom
 * edge; below it, the call's details, the device switcher and the chat.
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
  },
) {
  const { state, peer } = props;
  return (
    <section aria-label="Call" class="flex flex-col gap-3">
      <div class="relative w-full h-[calc(100dvh-11rem)] min-h-[18rem] rounded-xl overflow-hidden bg-gray-900">
        <VideoTile
          testId="remote-video"
          label={`Video from ${peer}`}
          stream={props.remoteStream}
          muted={false}
          fit="contain"
          class="w-full h-full"
          videoRef={props.remoteVideo}
        />
        <VideoTile
          testId="local-video"
          label="Your camera"
          stream={props.localStream}
          muted
          class="absolute top-2 right-2 w-1/4 max-w-[12rem] min-w-[6rem] aspect-video border-2 border-white"
        />
        {state === "active" && (
          <div class="absolute top-2 left-2 right-[30%] flex flex-col items-start gap-1">
            <PeerBadges
              state={props.peerState}
              recordingHere={props.controls.recording}
            />
            <KeyStatusLine peer={peer} status={props.verification.status} />
          </div>
        )}
        <div class="absolute inset-x-0 bottom-0 p-3">
          <CallControls {...props.controls} />
        </div>
      </div>
      {state === "active" && (
        <QualityIndicator quality={props.quality} bitrates={props.bitrates}>
          <VerificationCode {...props.verification} />
        </QualityIndicator>
      )}
      {state === "active" && (
        <details class="border rounded-xl p-3 dark:border-gray-700">
          <summary class="cursor-pointer font-medium">
            Switch camera, microphone or speaker
          </summary>
          <div class="mt-3">
            <DevicePicker {...props.devices} />
          </div>
        </details>
      )}
      {state === "active" && <ChatPanel peer={peer} {...props.chat} />}
    </section>
  );
}
