/**
 * The calling page's island: it owns the call machine and the page's own
 * state (the id box, the theme, the device panel), and lays out the
 * components; the ring, the device preview and the shortcuts are hooks
 * beside the machine in `lib/page/call/`.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect, useMemo, useRef } from "preact/hooks";
import { IS_BROWSER } from "$fresh/runtime.ts";
import { CallMachine } from "../lib/page/call/call_machine.ts";
import { browserGetUserMedia } from "../lib/page/call/media.ts";
import { useDevicePreview } from "../lib/page/call/use_device_preview.ts";
import { useRingAlerts } from "../lib/page/call/use_ring_alerts.ts";
import { SHORTCUTS, useShortcuts } from "../lib/page/call/use_shortcuts.ts";
import type { AnswerMode, SignInMode } from "../lib/page/call/types.ts";
import { connectWebSocket } from "../lib/page/call/signaling_client.ts";
import { createRinger } from "../lib/page/call/ringer.ts";
import { download, recordCall } from "../lib/page/call/recorder.ts";
import type { DeviceChoice } from "../lib/page/call/devices.ts";
import { checkNetwork } from "../lib/page/call/network_check.ts";
import { networkSentence } from "../lib/page/call/words.ts";
import { Button } from "../components/Button.tsx";
import { CallControls } from "../components/CallControls.tsx";
import { CallTimer } from "../components/CallTimer.tsx";
import { ChatPanel } from "../components/ChatPanel.tsx";
import { DevicePicker } from "../components/DevicePicker.tsx";
import { Dialer } from "../components/Dialer.tsx";
import { IncomingCall } from "../components/IncomingCall.tsx";
import { JoinForm } from "../components/JoinForm.tsx";
import { LevelMeter } from "../components/LevelMeter.tsx";
import { NetworkCheck } from "../components/NetworkCheck.tsx";
import { OnlineList } from "../components/OnlineList.tsx";
import { PeerBadges } from "../components/PeerBadges.tsx";
import { QualityIndicator } from "../components/QualityIndicator.tsx";
import { VideoTile } from "../components/VideoTile.tsx";
import {
  KeyStatusLine,
  VerificationCode,
} from "../components/VerificationCode.tsx";
import { loadCertificate } from "../lib/page/call/certificate_store.ts";
import { takeCallBack } from "../lib/page/call/call_back.ts";

/** Props the page hands to the island. */
export interface CallInterfaceProps {
  /** Prefills the id box, from the page's `?userId=`. */
  defaultUserId?: string;
  /**
   * How the server signs people in: with `token` the id comes from the
   * page's `?token=`, with `accounts` from the session cookie.
   */
  signInMode?: SignInMode;
}

const THEME_KEY = "nexus-call.theme";

function tokenFromPage(): string | null {
  return IS_BROWSER ? new URLSearchParams(location.search).get("token") : null;
}

/** The browser's peer connections and timers, as the machine and the network check take them. */
const browserPeers = {
  createPeerConnection: (config: RTCConfiguration) =>
    new RTCPeerConnection(config),
  setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as number),
};

function createMachine(): CallMachine {
  return new CallMachine({
    ...browserPeers,
    connect: connectWebSocket,
    getUserMedia: browserGetUserMedia,
    getDisplayMedia: navigator.mediaDevices?.getDisplayMedia &&
      ((constraints) => navigator.mediaDevices.getDisplayMedia(constraints)),
    recordCall: typeof MediaRecorder === "undefined" ? undefined : recordCall,
    download,
    store: localStorage,
    random: Math.random,
    watchNetwork: (changed) => addEventListener("online", changed),
    loadCertificate,
  });
}

/** The calling page: sign in, see who is online, call, answer, talk. */
export default function CallInterface(props: CallInterfaceProps) {
  const machine = useMemo(createMachine, []);
  const ringer = useMemo(() => createRinger(() => new AudioContext()), []);
  const target = useSignal("");
  const silenced = useSignal(false);
  const dark = useSignal(false);
  const devicesOpen = useSignal(false);
  const checking = useSignal(false);
  const checkResult = useSignal("");
  const bitrates = useSignal<number[]>([]);
  const remoteVideo = useRef<HTMLVideoElement>(null);
  // Join works once the page's script runs: until then it says so by being
  // disabled (before, a press submitted the bare form and reloaded the page).
  const hydrated = useSignal(false);

  const state = machine.state.value;
  const session = machine.signaling.state.value;
  const signedIn = session === "signed-in" || session === "reconnecting";
  const peer = machine.peerId.value ?? "";
  const verification = machine.verification;
  const tokenMode = props.signInMode === "token";
  const accountsMode = props.signInMode === "accounts";
  const openMode = !tokenMode && !accountsMode;
  const missed = machine.signaling.missedCalls.value;
  const inCall = state === "calling" || state === "active";
  const free = state === "idle" || state === "ended";
  const preview = useDevicePreview(
    devicesOpen.value,
    signedIn && free,
    state,
    machine.media.devices.value,
  );
  useRingAlerts(ringer, state, peer, silenced);
  useShortcuts(machine);

  useEffect(() => {
    const token = tokenMode ? tokenFromPage() : null;
    if (props.signInMode === "accounts") {
      machine.joinWithSession();
    } else if (tokenMode && !token) {
      machine.notice.value =
        "This server signs people in with links: open the sign-in link you were given.";
    } else if (token) {
      machine.joinWithToken(token);
    }
    hydrated.value = true;
    dark.value = (localStorage.getItem(THEME_KEY) ??
      (matchMedia("(prefers-color-scheme: dark)").matches
        ? "dark"
        : "light")) === "dark";
    return () => machine.leave();
  }, [machine]);

  useEffect(() => {
    document.documentElement.classList.toggle("dark", dark.value);
  }, [dark.value]);

  useEffect(() => {
    const callBack = signedIn && takeCallBack(sessionStorage);
    if (callBack) machine.call(callBack, true);
  }, [signedIn]);

  useEffect(() => {
    const kbps = machine.quality.value?.bitrateKbps;
    if (kbps == null) return;
    bitrates.value = [...bitrates.value.slice(-29), kbps];
  }, [machine.quality.value]);

  useEffect(() => {
    const sink = machine.media.devices.value.speaker;
    const video = remoteVideo.current as
      | (HTMLVideoElement & { setSinkId?(id: string): Promise<void> })
      | null;
    if (sink && video?.setSinkId) video.setSinkId(sink).catch(() => {});
  }, [machine.media.devices.value.speaker, machine.remoteStream.value]);

  const join = (id: string) => {
    globalThis.Notification?.permission === "default" &&
      Notification.requestPermission().catch(() => {});
    machine.join(id);
  };
  const checkConnection = async () => {
    checking.value = true;
    checkResult.value = "Checking which ways out of this network work…";
    const report = await checkNetwork(
      browserPeers,
      machine.signaling.iceServers.value,
    );
    checkResult.value = networkSentence(report);
    checking.value = false;
  };
  const choose = (kind: keyof DeviceChoice, id: string) =>
    machine.media.chooseDevice(kind, id);

  return (
    <main
      class="max-w-3xl mx-auto p-4 flex flex-col gap-4 min-h-screen dark:bg-gray-900 dark:text-gray-100"
      data-call-state={state}
    >
      <header class="flex flex-wrap items-center gap-3 justify-between">
        <h1 class="text-2xl font-bold">Nexus Call</h1>
        <div class="flex items-center gap-2 text-sm text-gray-600 dark:text-gray-300">
          {signedIn && (
            <span>
              Signed in as <strong>{machine.signaling.selfId.value}</strong>
            </span>
          )}
          <Button
            aria-pressed={dark.value}
            onClick={() => {
              dark.value = !dark.value;
              localStorage.setItem(THEME_KEY, dark.value ? "dark" : "light");
            }}
          >
            Dark theme
          </Button>
          {signedIn && free && !accountsMode && (
            <Button onClick={() => machine.leave()}>Sign out</Button>
          )}
          {signedIn && accountsMode && (
            <>
              <a class="underline" href="/contacts">Contacts</a>
              <a class="underline" href="/history">
                Call history
                {missed > 0 && (
                  <>
                    {" "}
                    <span class="px-2 rounded-full bg-red-600 text-white">
                      {missed} missed
                    </span>
                  </>
                )}
              </a>
              <a class="underline" href="/settings">Account</a>
            </>
          )}
        </div>
      </header>
      <div class="flex items-baseline gap-3 min-h-[1.75rem]">
        <p role="status" aria-live="polite" class="text-lg">
          {machine.status.value}
        </p>
        {state === "active" && machine.connectedAt.value !== null && (
          <CallTimer since={machine.connectedAt.value} />
        )}
      </div>
      {!signedIn && accountsMode && session !== "connecting" && (
        <a class="self-start underline" href="/signin">Sign in</a>
      )}
      {!signedIn && tokenMode && (
        <Button
          tone="primary"
          class="self-start"
          disabled={session === "connecting" || !tokenFromPage()}
          onClick={() => machine.joinWithToken(tokenFromPage() ?? "")}
        >
          Join
        </Button>
      )}
      {!signedIn && openMode && (
        <JoinForm
          defaultUserId={props.defaultUserId ?? ""}
          busy={!hydrated.value || session === "connecting"}
          onJoin={join}
        />
      )}
      {signedIn && free && (
        <>
          <Dialer
            target={target.value}
            onInput={(value) => target.value = value}
            onCall={(video) => machine.call(target.value, video)}
          />
          {machine.signaling.presence.value && (
            <OnlineList
              users={machine.signaling.online.value}
              inCall={machine.signaling.inCall.value}
              onCall={(user) => machine.call(user, true)}
            />
          )}
          <details
            class="border rounded-xl p-3 dark:border-gray-700"
            open={devicesOpen.value}
            onToggle={(event) => devicesOpen.value = event.currentTarget.open}
          >
            <summary class="cursor-pointer font-medium">
              Camera, microphone and speaker
            </summary>
            <div class="flex flex-wrap gap-4 items-start mt-3">
              <VideoTile
                testId="preview-video"
                label="Camera preview"
                stream={preview.stream.value}
                muted
                class="w-48 aspect-video"
              />
              <div class="flex flex-col gap-3">
                <DevicePicker
                  lists={preview.lists.value}
                  choice={machine.media.devices.value}
                  onChoose={choose}
                />
                <LevelMeter stream={preview.stream.value} />
                <label class="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    checked={machine.media.startOnRing.value}
                    onChange={(event) =>
                      machine.media.setStartOnRing(
                        event.currentTarget.checked,
                      )}
                  />
                  Start camera and microphone while a call rings
                </label>
              </div>
            </div>
          </details>
          <NetworkCheck
            checking={checking.value}
            result={checkResult.value}
            onCheck={checkConnection}
          />
        </>
      )}
      {state === "ringing" && (
        <IncomingCall
          caller={peer}
          video={machine.withVideo.value}
          mediaProblem={machine.mediaProblem.value}
          onAccept={(mode: AnswerMode) => machine.accept(mode)}
          onDecline={() => machine.decline()}
        />
      )}
      {(state === "ringing" || state === "calling") && (
        <Button
          class="self-start"
          aria-pressed={silenced.value}
          onClick={() => silenced.value = !silenced.value}
        >
          Silence ringing
        </Button>
      )}
      {inCall && (
        <section aria-label="Call" class="flex flex-col gap-3">
          <div class="relative">
            <VideoTile
              testId="remote-video"
              label={`Video from ${peer}`}
              stream={machine.remoteStream.value}
              muted={false}
              class="w-full aspect-video"
              videoRef={remoteVideo}
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
                bitrates={bitrates.value}
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
              remoteVideo.current?.requestPictureInPicture().catch(() => {})}
            onEnd={() => machine.hangUp()}
          />
          {state === "active" && (
            <details class="border rounded-xl p-3 dark:border-gray-700">
              <summary class="cursor-pointer font-medium">
                Switch camera, microphone or speaker
              </summary>
              <div class="mt-3">
                <DevicePicker
                  lists={preview.lists.value}
                  choice={machine.media.devices.value}
                  onChoose={choose}
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
      )}
      <p class="text-xs text-gray-500 dark:text-gray-400">{SHORTCUTS}</p>
    </main>
  );
}
