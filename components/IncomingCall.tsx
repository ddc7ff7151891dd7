import { useEffect, useRef } from "preact/hooks";
import { Button } from "./Button.tsx";

/** How the callee answers: with everything, with the microphone only, or without sending. */
export type AnswerChoice = "full" | "audio-only" | "receive-only";

/**
 * An incoming call: who is calling, Accept and Decline. When the camera or
 * microphone could not be started, it says why and offers to answer with
 * less.
 */
export function IncomingCall(
  props: {
    caller: string;
    video: boolean;
    mediaProblem: string;
    onAccept(choice: AnswerChoice): void;
    onDecline(): void;
  },
) {
  const dialog = useRef<HTMLDivElement>(null);
  // Every ring takes focus: `autofocus` is honoured once per page.
  useEffect(() => dialog.current?.querySelector("button")?.focus(), []);
  return (
    <div
      ref={dialog}
      role="alertdialog"
      aria-labelledby="incoming-title"
      aria-describedby={props.mediaProblem ? "incoming-problem" : undefined}
      class="p-4 rounded-xl bg-blue-50 text-gray-900 border border-blue-200 dark:bg-gray-800 dark:text-gray-100 dark:border-blue-400 flex flex-wrap gap-3 items-center"
    >
      <p id="incoming-title" class="font-semibold grow">
        Incoming {props.video ? "video" : "audio"} call from {props.caller}
      </p>
      <Button tone="accept" onClick={() => props.onAccept("full")}>
        Accept call
      </Button>
      <Button tone="danger" onClick={props.onDecline}>Decline call</Button>
      {props.mediaProblem && (
        <div class="w-full flex flex-wrap gap-2 items-center">
          <p
            id="incoming-problem"
            class="w-full text-red-800 dark:text-red-300"
          >
            {props.mediaProblem}
          </p>
          {props.video && (
            <Button onClick={() => props.onAccept("audio-only")}>
              Answer with microphone only
            </Button>
          )}
          <Button onClick={() => props.onAccept("receive-only")}>
            Answer without sending media
          </Button>
        </div>
      )}
    </div>
  );
}
