import { Button } from "./Button.tsx";

/** An incoming call: who is calling, Accept and Decline. */
export function IncomingCall(
  props: {
    caller: string;
    video: boolean;
    onAccept(): void;
    onDecline(): void;
  },
) {
  return (
    <div
      role="alertdialog"
      aria-labelledby="incoming-title"
      class="p-4 rounded-xl bg-blue-50 border border-blue-200 flex flex-wrap gap-3 items-center"
    >
      <p id="incoming-title" class="font-semibold grow">
        Incoming {props.video ? "video" : "audio"} call from {props.caller}
      </p>
      <Button tone="accept" onClick={props.onAccept} autoFocus>
        Accept call
      </Button>
      <Button tone="danger" onClick={props.onDecline}>Decline call</Button>
    </div>
  );
}
