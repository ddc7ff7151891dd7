import { useEffect } from "preact/hooks";
import type { KeyStatus } from "../lib/page/call/call_verification.ts";
import { keySentence, VERIFY_INSTRUCTION } from "../lib/page/call/words.ts";
import { Button } from "./Button.tsx";

/** The verification code, and marking the peer verified. */
export interface VerificationProps {
  code: string | null;
  status: KeyStatus;
  onMarkVerified(): void;
  /** The code is on screen: it is made now. */
  onShow(): void;
}

/**
 * The call's verification code, in the call details: the digits to read
 * aloud, what to do with them, and **Mark as verified** once they matched.
 */
export function VerificationCode(props: VerificationProps) {
  useEffect(() => props.onShow(), []);
  return (
    <section aria-label="Verification" class="mt-3 flex flex-col gap-2">
      <h2 class="font-medium">Verification code</h2>
      <p
        class="font-mono text-xl tracking-wider"
        data-testid="verification-code"
      >
        {props.code ?? "…"}
      </p>
      <p>{VERIFY_INSTRUCTION}</p>
      {props.code && props.status !== "verified" && (
        <Button class="self-start" onClick={props.onMarkVerified}>
          Mark as verified
        </Button>
      )}
    </section>
  );
}

/**
 * What this page knows of the peer's key, beside the call: "Verified", or a
 * warning that it changed since it was verified; nothing for a key never
 * verified.
 */
export function KeyStatusLine(props: { peer: string; status: KeyStatus }) {
  const sentence = keySentence(props.status, props.peer);
  if (!sentence) return null;
  return props.status === "changed"
    ? (
      <p
        role="alert"
        class="px-3 py-2 rounded-lg bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100"
      >
        {sentence}
      </p>
    )
    : (
      <p class="text-sm px-2 py-0.5 rounded bg-black/70 text-green-300">
        <span aria-hidden="true">✓</span> {sentence}
      </p>
    );
}
