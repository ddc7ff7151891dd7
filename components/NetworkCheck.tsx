import { Button } from "./Button.tsx";

/** "Check my connection" and what it found, read out when it changes. */
export function NetworkCheck(
  props: { checking: boolean; result: string; onCheck: () => void },
) {
  return (
    <div class="flex flex-wrap items-center gap-3">
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
  );
}
