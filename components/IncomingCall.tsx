import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { Button } from "./Button.tsx";
import { VideoTile } from "./VideoTile.tsx";

/** How the callee answers: with everything, with the microphone only, or without sending. */
export type AnswerChoice = "full" | "audio-only" | "receive-only";

/** A ring's large, round answer button, in its colour. */
function AnswerButton(
  props: { colour: string; onClick(): void; children: ComponentChildren },
) {
  return (
    <button
      type="button"
      class={`rounded-full px-8 py-4 text-lg font-semibold text-white shadow-lg focus:outline-none focus:ring-4 focus:ring-white focus:ring-offset-2 focus:ring-offset-gray-900 ${props.colour}`}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}

/**
 * An incoming call, over the whole screen as a phone shows one: who is
 * calling, audio or video, your camera as it will be sent, Accept and
 * Decline. When the camera or microphone could not be started, it says why
 * and offers to answer with less. `children`: what else a ring offers
 * (silencing it).
 */
export function IncomingCall(
  props: {
    caller: string;
    video: boolean;
    mediaProblem: string;
    /** Your camera, started while it rings, when the call will send it. */
    preview: MediaStream | null;
    onAccept(choice: AnswerChoice): void;
    onDecline(): void;
    children?: ComponentChildren;
  },
) {
  const dialog = useRef<HTMLDivElement>(null);
  // Every ring takes focus: `autofocus` is honoured once per page.
  useEffect(() => dialog.current?.querySelector("button")?.focus(), []);
  return (
    <div
      ref={dialog}
      role="alertdialog"
      aria-modal="true"
      aria-labelledby="incoming-title"
      aria-describedby={props.mediaProblem ? "incoming-problem" : undefined}
      class="fixed inset-0 z-50 overflow-y-auto flex flex-col items-center justify-center gap-6 bg-gray-900 text-gray-100 text-center"
      style={{
        padding:
          "max(1.5rem, env(safe-area-inset-top)) max(1.5rem, env(safe-area-inset-right)) max(1.5rem, env(safe-area-inset-bottom)) max(1.5rem, env(safe-area-inset-left))",
      }}
    >
      <p id="incoming-title" class="text-2xl font-semibold max-w-xl">
        Incoming {props.video ? "video" : "audio"} call from {props.caller}
      </p>
      {props.video && props.preview && (
        <VideoTile
          testId="ringing-preview"
          label="Your camera"
          stream={props.preview}
          muted
          class="w-64 max-w-full aspect-video"
        />
      )}
      <div class="flex flex-wrap justify-center gap-6">
        <AnswerButton
          colour="bg-green-700 hover:bg-green-800"
          onClick={() => props.onAccept("full")}
        >
          Accept call
        </AnswerButton>
        <AnswerButton
          colour="bg-red-600 hover:bg-red-700"
          onClick={props.onDecline}
        >
          Decline call
        </AnswerButton>
      </div>
      {props.mediaProblem && (
        <div class="flex flex-col gap-2 items-center max-w-xl">
          <p id="incoming-problem" class="text-red-300">
            {props.mediaProblem}
          </p>
          <div class="flex flex-wrap justify-center gap-2">
            {props.video && (
              <Button onClick={() => props.onAccept("audio-only")}>
                Answer with microphone only
              </Button>
            )}
            <Button onClick={() => props.onAccept("receive-only")}>
              Answer without sending media
            </Button>
          </div>
        </div>
      )}
      {props.children}
    </div>
  );
}
