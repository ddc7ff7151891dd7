import { useSignal } from "@preact/signals";
import { IS_BROWSER } from "$fresh/runtime.ts";
import { useEffect, useMemo } from "preact/hooks";
import { browserGetUserMedia, CallMachine } from "../lib/call/call_machine.ts";
import { connectWebSocket } from "../lib/call/signaling_client.ts";
import { CallControls } from "../components/CallControls.tsx";
import { Dialer } from "../components/Dialer.tsx";
import { IncomingCall } from "../components/IncomingCall.tsx";
import { JoinForm } from "../components/JoinForm.tsx";
import { OnlineList } from "../components/OnlineList.tsx";
import { VideoTile } from "../components/VideoTile.tsx";
import { Button } from "../components/Button.tsx";

/** Props the page hands to the island. */
export interface CallInterfaceProps {
  /** Prefills the id box, from the page's `?userId=`. */
  defaultUserId?: string;
  /** The server signs people in with tokens: the id comes from the page's `?token=`. */
  tokenMode?: boolean;
}

function tokenFromPage(): string | null {
  return IS_BROWSER ? new URLSearchParams(location.search).get("token") : null;
}

function createMachine(): CallMachine {
  return new CallMachine({
    connect: connectWebSocket,
    getUserMedia: browserGetUserMedia,
    createPeerConnection: (config) => new RTCPeerConnection(config),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as number),
    random: Math.random,
  });
}

/** The calling page: sign in, see who is online, call, answer, talk. */
export default function CallInterface(props: CallInterfaceProps) {
  const machine = useMemo(createMachine, []);
  const userId = useSignal(props.defaultUserId ?? "");
  const target = useSignal("");
  useEffect(() => {
    const token = props.tokenMode ? tokenFromPage() : null;
    if (props.tokenMode && !token) {
      machine.notice.value =
        "This server signs people in with links: open the sign-in link you were given.";
    } else if (token) {
      machine.joinWithToken(token);
    }
    return () => machine.leave();
  }, [machine]);

  const state = machine.state.value;
  const session = machine.signaling.state.value;
  const signedIn = session === "signed-in" || session === "reconnecting";
  const peer = machine.peerId.value ?? "";
  const inCall = state === "calling" || state === "active";

  return (
    <main
      class="max-w-3xl mx-auto p-4 flex flex-col gap-4"
      data-call-state={state}
    >
      <header class="flex flex-wrap items-center gap-3 justify-between">
        <h1 class="text-2xl font-bold">Nexus Call</h1>
        {signedIn && (
          <p class="text-sm text-gray-600">
            Signed in as <strong>{machine.signaling.selfId.value}</strong>{" "}
            {!inCall && state !== "ringing" && (
              <Button
                class="ml-2"
                onClick={() => machine.leave()}
              >
                Sign out
              </Button>
            )}
          </p>
        )}
      </header>
      <p role="status" aria-live="polite" class="text-lg min-h-[1.75rem]">
        {machine.status.value}
      </p>
      {!signedIn && props.tokenMode && (
        <Button
          tone="primary"
          class="self-start"
          disabled={session === "connecting" || !tokenFromPage()}
          onClick={() => machine.joinWithToken(tokenFromPage() ?? "")}
        >
          Join
        </Button>
      )}
      {!signedIn && !props.tokenMode && (
        <JoinForm
          userId={userId.value}
          busy={session === "connecting"}
          onInput={(value) => userId.value = value}
          onJoin={() => machine.join(userId.value)}
        />
      )}
      {signedIn && (state === "idle" || state === "ended") && (
        <>
          <Dialer
            target={target.value}
            onInput={(value) => target.value = value}
            onCall={(video) => machine.call(target.value, video)}
          />
          {machine.signaling.presence.value && (
            <OnlineList
              users={machine.signaling.online.value}
              onCall={(user) => machine.call(user, true)}
            />
          )}
        </>
      )}
      {state === "ringing" && (
        <IncomingCall
          caller={peer}
          video={machine.withVideo.value}
          mediaProblem={machine.mediaProblem.value}
          onAccept={(mode) => machine.accept(mode)}
          onDecline={() => machine.decline()}
        />
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
            />
            <VideoTile
              testId="local-video"
              label="Your camera"
              stream={machine.localStream.value}
              muted
              class="absolute bottom-2 right-2 w-1/4 aspect-video border-2 border-white"
            />
          </div>
          <CallControls
            muted={machine.micMuted.value}
            cameraOff={machine.cameraOff.value}
            showToggles={state === "active"}
            showCamera={machine.withVideo.value}
            onMute={() => machine.toggleMute()}
            onCamera={() => machine.toggleCamera()}
            onEnd={() => machine.hangUp()}
          />
        </section>
      )}
    </main>
  );
}
