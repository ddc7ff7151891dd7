import { Button } from "./Button.tsx";

/** The sign-in form: your id and Join. */
export function JoinForm(
  props: {
    userId: string;
    busy: boolean;
    onInput(value: string): void;
    onJoin(): void;
  },
) {
  return (
    <form
      class="flex flex-wrap gap-2 items-end"
      onSubmit={(event) => {
        event.preventDefault();
        props.onJoin();
      }}
    >
      <label class="flex flex-col text-sm font-medium">
        Your id
        <input
          class="mt-1 px-3 py-2 border rounded-lg text-base"
          name="userId"
          autocomplete="username"
          value={props.userId}
          onInput={(event) => props.onInput(event.currentTarget.value)}
        />
      </label>
      <Button type="submit" tone="primary" disabled={props.busy}>Join</Button>
    </form>
  );
}
