import type { RefObject } from "preact";
import { IS_BROWSER } from "$fresh/runtime.ts";
import type { CallMachine } from "../lib/page/call/call_machine.ts";
import type { DeviceChoice } from "../lib/page/call/devices.ts";
import { CallControls } from "./CallControls.tsx";
import { ChatPanel } from "./ChatPanel.tsx";
import { type DeviceList, DevicePicker } from "./DevicePicker.tsx";
import { PeerBadges } from "./PeerBadges.tsx";
import { QualityIndicator } from "./QualityIndicator.tsx";
import { KeyStatusLine, VerificationCode } from "./VerificationCode.tsx";
import { VideoTile } from "./VideoTile.tsx";

/**
 * A call being placed or under way: the peer's video with this side's in
 * its corner, the verification state and the call's details, the controls,
 * the device switcher and the chat.
 */
export function CallView(
  props: {
    machine: CallMachine;
    lists: DeviceList[];
    /** The call's recent bitrates, for the quality graph. */
    bitrates: number[];
    remoteVideo: RefObject<HTMLVideoElement | null>;
    onChoose(kind: keyof DeviceChoice, deviceId: string): void;
  },
) {
  const { machine } = props;
  const state = machine.state.value;
  const peer = machine.peerId.value ?? "";
  const verification = machine.verification;
  return (
    <section aria-label="Call" class="flex flex-col gap-3">
      <div class="relative">
        <VideoTile
          testId="remote-video"
          label={`Video from ${peer}`}
          stream={machine.remoteStream.value}
          muted={false}
          class="w-full aspect-video"
          videoRef={props.remoteVideo}
        />
        {state === "active" && (
          <PeerBadges
            state={machine.channel.peerState.value}
            recordingHere={machine.recording.value}
          />
        )}
        <VideoTile
          testId="local-video"
          label="Your camera"
          stream={machine.media.stream.value}
          muted
          class="absolute bottom-2 right-2 w-1/4 min-w-[6rem] aspect-video border-2 border-white"
        />
      </div>
      {state === "active" && (
        <>
          <KeyStatusLine peer={peer} status={verification.status.value} />
          <QualityIndicator
            quality={machine.quality.value}
            bitrates={props.bitrates}
          >
            <VerificationCode
              code={verification.code.value}
              status={verification.status.value}
              onMarkVerified={() => verification.markVerified()}
              onShow={() => void verification.show()}
            />
          </QualityIndicator>
        </>
      )}
      <CallControls
        muted={machine.media.micMuted.value}
        cameraOff={machine.media.cameraOff.value}
        sharing={machine.media.sharing.value}
        recording={machine.recording.value}
        showToggles={state === "active"}
        showVideoControls={machine.withVideo.value}
        canPictureInPicture={IS_BROWSER && document.pictureInPictureEnabled}
        onMute={() => machine.media.toggleMute()}
        onCamera={() => machine.media.toggleCamera()}
        onShare={() => machine.media.toggleScreenShare()}
        onRecord={() => machine.toggleRecording()}
        onPictureInPicture={() =>
          props.remoteVideo.current?.requestPictureInPicture().catch(() => {})}
        onEnd={() => machine.hangUp()}
      />
      {state === "active" && (
        <details class="border rounded-xl p-3 dark:border-gray-700">
          <summary class="cursor-pointer font-medium">
            Switch camera, microphone or speaker
          </summary>
          <div class="mt-3">
            <DevicePicker
              lists={props.lists}
              choice={machine.media.devices.value}
              onChoose={props.onChoose}
            />
          </div>
        </details>
      )}
      {state === "active" && (
        <ChatPanel
          peer={peer}
          messages={machine.channel.chat.value}
          onSend={(text) => machine.sendChat(text)}
        />
      )}
    </section>
  );
}
