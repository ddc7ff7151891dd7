import { useSignal } from "@preact/signals";
import { Button } from "./Button.tsx";

/**
 * A link to hand on: read-only, with **Copy** beside it (the clipboard), and
 * what happened said in `role="status"`.
 */
export function CopyField(props: { label: string; value: string }) {
  const said = useSignal("");
  return (
    <div class="flex flex-col gap-1">
      <label class="flex flex-col gap-1">
        {props.label}
        <input
          readOnly
          class="border rounded-lg px-3 py-2 bg-white text-gray-900 dark:bg-gray-800 dark:text-gray-100 dark:border-gray-600"
          value={props.value}
          onFocus={(event) => event.currentTarget.select()}
        />
      </label>
      <div class="flex items-center gap-3">
        <Button
          aria-label={`Copy ${props.label}`}
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(props.value);
              said.value = "Copied.";
            } catch {
              said.value =
                "The browser did not allow copying: select the link and copy it.";
            }
          }}
        >
          Copy
        </Button>
        <span role="status">{said.value}</span>
      </div>
    </div>
  );
}
