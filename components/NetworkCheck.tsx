import { Button } from "./Button.tsx";

/**
 * "Check my connection" and what it found, read out when it changes,
 * behind a disclosure of their own: most visits need neither.
 */
export function NetworkCheck(
  props: { checking: boolean; result: string; onCheck: () => void },
) {
  return (
    <details class="border rounded-xl p-3 dark:border-gray-700">
      <summary class="cursor-pointer font-medium">Your connection</summary>
      <div class="flex flex-wrap items-center gap-3 mt-3">
        <Button
          onClick={props.onCheck}
          disabled={props.checking}
          aria-busy={props.checking}
        >
          Check my connection
        </Button>
        <p role="status" aria-label="Connection check" class="text-sm">
          {props.result}
        </p>
      </div>
    </details>
  );
}
