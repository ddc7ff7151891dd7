/**
 * The call's controls fade as a phone's do: after a few seconds without a
 * pointer, a touch or a key they go, and any of those brings them back.
 * They stay while one of them has focus, while `still` (a call not yet
 * answered), and always for whoever prefers reduced motion.
 * A Preact hook for the call view.
 * @module
 */
import { useSignal } from "@preact/signals";
import { type RefObject } from "preact";
import { useEffect } from "preact/hooks";

/** How long the controls stay without a pointer or key. */
export const FADE_AFTER_MS = 3_000;

/** Whether the controls in `controls` are shown now. */
export function useIdleFade(
  controls: RefObject<HTMLElement | null>,
  still: boolean,
): boolean {
  const shown = useSignal(true);
  useEffect(() => {
    shown.value = true;
    if (still || matchMedia("(prefers-reduced-motion: reduce)").matches) {
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let revealedAt = -1e9;
    const wake = (event?: Event) => {
      if (event?.type === "pointerdown" && !shown.value) {
        revealedAt = event.timeStamp;
      }
      shown.value = true;
      clearTimeout(timer);
      timer = setTimeout(() => {
        // A control with focus keeps them: the next focus change or key counts again.
        if (!controls.current?.contains(document.activeElement)) {
          shown.value = false;
        }
      }, FADE_AFTER_MS);
    };
    // A tap's click is aimed after the tap brought the controls back: the
    // tap that did presses none of them.
    const swallow = (event: Event) => {
      if (event.timeStamp - revealedAt < 600) event.stopPropagation();
    };
    const events = ["pointermove", "pointerdown", "keydown", "focusin"];
    for (const event of events) addEventListener(event, wake, true);
    const bar = controls.current;
    bar?.addEventListener("focusout", wake);
    bar?.addEventListener("click", swallow, true);
    wake();
    return () => {
      clearTimeout(timer);
      for (const event of events) removeEventListener(event, wake, true);
      bar?.removeEventListener("focusout", wake);
      bar?.removeEventListener("click", swallow, true);
    };
  }, [still]);
  return shown.value;
}
