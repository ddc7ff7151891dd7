/**
 * The calling page's island: it owns the call machine and the page's own
 * state (the id box, the theme, the device panel), and lays out the
 * panels (`components/`: the header, the devices, the call); how the page
 * starts, the ring, the device preview, the connection check and the
 * shortcuts are hooks beside the machine in `lib/page/call/`.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect, useMemo, useRef } from "preact/hooks";
import { IS_BROWSER } from "$fresh/runtime.ts";
import {
  type GuestLink,
  tokenFromPage,
  usePageStart,
} from "../lib/page/call/use_page_start.ts";
import { useConnectionCheck } from "../lib/page/call/use_connection_check.ts";
import { saveDark, savedDark, showTheme } from "../lib/page/theme.ts";
import { useDevicePreview } from "../lib/page/call/use_device_preview.ts";
import { useRingAlerts } from "../lib/page/call/use_ring_alerts.ts";
import { SHORTCUTS, useShortcuts } from "../lib/page/call/use_shortcuts.ts";
import type { AnswerMode, SignInMode } from "../lib/page/call/types.ts";
import { createRinger } from "../lib/page/call/ringer.ts";
import {
  browserPeers,
  createMachine,
} from "../lib/page/call/browser_machine.ts";
import type { DeviceChoice } from "../lib/page/call/devices.ts";
import { Button } from "../components/Button.tsx";
import { CallTimer } from "../components/CallTimer.tsx";
import { CallView } from "../components/CallView.tsx";
import { DevicesPanel } from "../components/DevicesPanel.tsx";
import { Dialer } from "../components/Dialer.tsx";
import { GuestForm } from "../components/GuestForm.tsx";
import { IncomingCall } from "../components/IncomingCall.tsx";
import { JoinForm } from "../components/JoinForm.tsx";
import { NetworkCheck } from "../components/NetworkCheck.tsx";
import { PeopleList } from "../components/PeopleList.tsx";
import { NO_CONTACTS_YET, NOBODY_ONLINE } from "../lib/page/call/words.ts";
import { PageHeader } from "../components/PageHeader.tsx";

/** Props the page hands to the island. */
export interface CallInterfaceProps {
  /** Prefills the id box, from the page's `?userId=`. */
  defaultUserId?: string;
  /**
   * How the server signs people in: with `token` the id comes from the
   * page's `?token=`, with `accounts` from the session cookie.
   */
  signInMode?: SignInMode;
  /** A call link's page: the guest calls the link's owner, and nobody else. */
  guest?: GuestLink;
  /** Accounts mode: the contacts one may call, listed whether online or not. */
  people?: string[];
}

/** The calling page: sign in, see who is online, call, answer, talk. */
export default function CallInterface(props: CallInterfaceProps) {
  const machine = useMemo(createMachine, []);
  const ringer = useMemo(() => createRinger(() => new AudioContext()), []);
  const target = useSignal("");
  const silenced = useSignal(false);
  const dark = useSignal(false);
  const guest = props.guest;
  const people = props.people ?? [];
  // A guest sees their camera before calling.
  const devicesOpen = useSignal(Boolean(guest));
  const bitrates = useSignal<number[]>([]);
  const remoteVideo = useRef<HTMLVideoElement>(null);
  // Join works once the page's script runs: until then it says so by being
  // disabled (before, a press submitted the bare form and reloaded the page).
  const { hydrated, callAsGuest } = usePageStart(
    machine,
    props.signInMode,
    guest,
  );
  const connectionCheck = useConnectionCheck(machine, browserPeers);

  const state = machine.state.value;
  const session = machine.signaling.state.value;
  const signedIn = session === "signed-in" || session === "reconnecting";
  // A guest is named by the name they typed and the link they came by.
  const peerName = machine.peerName;
  const verification = machine.verification;
  const tokenMode = props.signInMode === "token";
  const accountsMode = props.signInMode === "accounts";
  const openMode = !tokenMode && !accountsMode;
  const missed = machine.signaling.missedCalls.value;
  const inCall = state === "calling" || state === "active";
  const free = state === "idle" || state === "ended";
  // Free to call: signed in, or a link's guest, who joins as it calls.
  const ready = free && (signedIn || Boolean(guest));
  const preview = useDevicePreview(
    devicesOpen.value,
    ready,
    state,
    machine.media.devices.value,
  );
  useRingAlerts(ringer, state, peerName, silenced);
  useShortcuts(machine);

  useEffect(() => {
    dark.value = savedDark();
  }, []);

  useEffect(() => {
    showTheme(dark.value);
  }, [dark.value]);

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
  const choose = (kind: keyof DeviceChoice, id: string) =>
    machine.media.chooseDevice(kind, id);

  const silence = (
    <Button
      aria-pressed={silenced.value}
      onClick={() => silenced.value = !silenced.value}
    >
      Silence ringing
    </Button>
  );

  return (
    <main
      class={`mx-auto flex flex-col dark:bg-gray-900 dark:text-gray-100 ${
        inCall ? "max-w-7xl p-2 gap-2" : "max-w-3xl p-4 gap-4 min-h-screen"
      }`}
      data-call-state={state}
    >
      {/* A ring and a call take the whole screen: the header hides meanwhile. */}
      <PageHeader
        hidden={state === "ringing" || inCall}
        selfId={signedIn && !guest ? machine.signaling.selfId.value : null}
        dark={dark.value}
        onToggleDark={() => {
          dark.value = !dark.value;
          saveDark(dark.value);
        }}
        onSignOut={free && !accountsMode ? () => machine.leave() : null}
        accounts={accountsMode && !guest}
        missed={missed}
      />
      <div class="flex items-baseline gap-3 min-h-[1.75rem]">
        <p role="status" aria-live="polite" class="text-lg">
          {machine.status.value}
        </p>
        {state === "active" && machine.connectedAt.value !== null && (
          <CallTimer since={machine.connectedAt.value} />
        )}
      </div>
      {guest && free && (
        <GuestForm
          owner={guest.owner}
          busy={!hydrated.value || session === "connecting" || signedIn}
          onCall={callAsGuest}
        />
      )}
      {!signedIn && accountsMode && !guest && session !== "connecting" && (
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
      {ready && (
        <>
          {!guest && (
            <Dialer
              target={target.value}
              onInput={(value) => target.value = value}
              onCall={(video) => machine.call(target.value, video)}
            />
          )}
          {(machine.signaling.presence.value || people.length > 0) &&
            !guest && (
            <PeopleList
              known={people}
              presence={machine.signaling.presence.value}
              online={machine.signaling.online.value}
              inCall={machine.signaling.inCall.value}
              title={accountsMode ? "Contacts" : "Online"}
              empty={accountsMode ? NO_CONTACTS_YET : NOBODY_ONLINE}
              onCall={(user) => machine.call(user, true)}
            />
          )}
          <DevicesPanel
            open={devicesOpen.value}
            onToggle={(open) => devicesOpen.value = open}
            preview={preview.stream.value}
            lists={preview.lists.value}
            choice={machine.media.devices.value}
            onChoose={choose}
            startOnRing={guest ? null : machine.media.startOnRing.value}
            onStartOnRing={(on) => machine.media.setStartOnRing(on)}
          />
          <NetworkCheck
            checking={connectionCheck.checking.value}
            result={connectionCheck.result.value}
            onCheck={connectionCheck.check}
          />
        </>
      )}
      {state === "ringing" && (
        <IncomingCall
          caller={peerName}
          video={machine.withVideo.value}
          mediaProblem={machine.mediaProblem.value}
          preview={machine.media.stream.value}
          onAccept={(mode: AnswerMode) => machine.accept(mode)}
          onDecline={() => machine.decline()}
        >
          {silence}
        </IncomingCall>
      )}
      {inCall && (
        <CallView
          state={state}
          peer={peerName}
          remoteStream={machine.remoteStream.value}
          localStream={machine.media.stream.value}
          remoteVideo={remoteVideo}
          peerState={machine.channel.peerState.value}
          verification={{
            code: verification.code.value,
            status: verification.status.value,
            onMarkVerified: () => verification.markVerified(),
            onShow: () => void verification.show(),
          }}
          quality={machine.quality.value}
          bitrates={bitrates.value}
          controls={{
            muted: machine.media.micMuted.value,
            cameraOff: machine.media.cameraOff.value,
            sharing: machine.media.sharing.value,
            recording: machine.recording.value,
            showToggles: state === "active",
            showVideoControls: machine.withVideo.value,
            canPictureInPicture: IS_BROWSER &&
              document.pictureInPictureEnabled,
            onMute: () => machine.media.toggleMute(),
            onCamera: () => machine.media.toggleCamera(),
            onShare: () => machine.media.toggleScreenShare(),
            onRecord: () => machine.toggleRecording(),
            onPictureInPicture: () =>
              remoteVideo.current?.requestPictureInPicture().catch(() => {}),
            onEnd: () => machine.hangUp(),
          }}
          devices={{
            lists: preview.lists.value,
            choice: machine.media.devices.value,
            onChoose: choose,
          }}
          chat={{
            messages: machine.channel.chat.value,
            onSend: (text) => machine.sendChat(text),
          }}
        >
          {state === "calling" && silence}
        </CallView>
      )}
      {!inCall && (
        <p class="text-xs text-gray-500 dark:text-gray-400">{SHORTCUTS}</p>
      )}
    </main>
  );
}
