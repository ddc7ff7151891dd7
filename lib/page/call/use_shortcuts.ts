/**
 * The page's keyboard shortcuts, as the page lists them: M mute, V camera,
 * E end call, A accept, D decline; never while typing or with a modifier.
 * A Preact hook for the island.
 * @module
 */
import { useEffect } from "preact/hooks";
import type { CallMachine } from "./call_machine.ts";

/** The shortcuts in words, as the page shows them. */
export const SHORTCUTS =
  "Shortcuts: M mute · V camera · E end call · A accept · D decline";

/** Binds the shortcuts to `machine` while the island is mounted. */
export function useShortcuts(machine: CallMachine): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if ((event.target as HTMLElement)?.closest?.("input, textarea, select")) {
        return;
      }
      const active = machine.state.value === "active";
      const actions: Record<string, () => unknown> = {
        m: () => active && machine.media.toggleMute(),
        v: () => active && machine.media.toggleCamera(),
        e: () => machine.hangUp(),
        a: () => machine.accept(),
        d: () => machine.decline(),
      };
      const action = actions[event.key.toLowerCase()];
      if (action) {
        event.preventDefault();
        action();
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [machine]);
}
