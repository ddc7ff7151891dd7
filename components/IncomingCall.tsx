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
  return (
    <div
      role="alertdialog"
      aria-labelledby="incoming-title"
      aria-describedby={props.mediaProblem ? "incoming-problem" : undefined}
      class="p-4 rounded-xl bg-blue-50 border border-blue-200 flex flex-wrap gap-3 items-center"
    >
      <p id="incoming-title" class="font-semibold grow">
        Incoming {props.video ? "video" : "audio"} call from {props.caller}
      </p>
      <Button tone="accept" onClick={() => props.onAccept("full")} autoFocus>
        Accept call
      </Button>
      <Button tone="danger" onClick={props.onDecline}>Decline call</Button>
      {props.mediaProblem && (
        <div class="w-full flex flex-wrap gap-2 items-center">
          <p id="incoming-problem" class="w-full text-red-800">
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
