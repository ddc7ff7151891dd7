import { Button } from "./Button.tsx";

/** Whom to call, and a button for each kind of call. */
export function Dialer(
  props: {
    target: string;
    onInput(value: string): void;
    onCall(video: boolean): void;
  },
) {
  return (
    <form
      class="flex flex-wrap gap-2 items-end"
      onSubmit={(event) => {
        event.preventDefault();
        props.onCall(true);
      }}
    >
      <label class="flex flex-col text-sm font-medium">
        User to call
        <input
          class="mt-1 px-3 py-2 border rounded-lg text-base bg-white text-gray-900 dark:bg-gray-800 dark:text-gray-100 dark:border-gray-600"
          name="callee"
          value={props.target}
          onInput={(event) => props.onInput(event.currentTarget.value)}
        />
      </label>
      <Button type="submit" tone="primary">Video call</Button>
      <Button tone="primary" onClick={() => props.onCall(false)}>
        Audio call
      </Button>
    </form>
  );
}
