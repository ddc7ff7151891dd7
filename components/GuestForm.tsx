import { Button } from "./Button.tsx";

/**
 * A call link's page before the call: who the link calls, the guest's
 * name (shown to them with the call) and one button to call. Like the
 * sign-in form, the box is the browser's own and the button reads it.
 */
export function GuestForm(
  props: {
    /** The account the link rings. */
    owner: string;
    busy: boolean;
    /** Calls the owner under the name in the box. */
    onCall(name: string): void;
  },
) {
  return (
    <form
      class="flex flex-wrap gap-2 items-end"
      onSubmit={(event) => {
        event.preventDefault();
        props.onCall(String(new FormData(event.currentTarget).get("name")));
      }}
    >
      <p class="w-full">
        This link calls <strong>{props.owner}</strong>; no account needed.
      </p>
      <label class="flex flex-col text-sm font-medium">
        Your name
        <input
          class="mt-1 px-3 py-2 border rounded-lg text-base bg-white text-gray-900 dark:bg-gray-800 dark:text-gray-100 dark:border-gray-600"
          name="name"
          autocomplete="name"
          maxLength={40}
          required
        />
      </label>
      <Button type="submit" tone="primary" disabled={props.busy}>
        Call {props.owner}
      </Button>
    </form>
  );
}
