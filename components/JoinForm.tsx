import { Button } from "./Button.tsx";

/**
 * The sign-in form: your id and Join. The box is the browser's own, not a
 * copy kept in a signal, and Join reads it when pressed: what a person types
 * before the page's script runs stays in it through hydration (a controlled
 * value would be reset to the copy) and is the id Join uses.
 */
export function JoinForm(
  props: {
    /** What the box holds at first (the page's `?userId=`). */
    defaultUserId: string;
    busy: boolean;
    /** Join as the id in the box when Join is pressed. */
    onJoin(userId: string): void;
  },
) {
  return (
    <form
      class="flex flex-wrap gap-2 items-end"
      onSubmit={(event) => {
        event.preventDefault();
        props.onJoin(
          String(new FormData(event.currentTarget).get("userId") ?? ""),
        );
      }}
    >
      <label class="flex flex-col text-sm font-medium">
        Your id
        <input
          class="mt-1 px-3 py-2 border rounded-lg text-base bg-white text-gray-900 dark:bg-gray-800 dark:text-gray-100 dark:border-gray-600"
          name="userId"
          autocomplete="username"
          defaultValue={props.defaultUserId}
        />
      </label>
      <Button type="submit" tone="primary" disabled={props.busy}>Join</Button>
    </form>
  );
}
