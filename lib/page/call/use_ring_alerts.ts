/**
 * How a ringing or calling page makes itself heard: the ringtone while a
 * call rings here, the ringback while this page calls, silenced on request
 * until the ring is over; and, while the tab is hidden, the title and a
 * notification say who calls. A Preact hook for the island.
 * @module
 */
import type { Signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Ringer } from "./ringer.ts";
import type { CallState } from "./types.ts";

/** Plays and stops the ring for `state`; `silenced` is reset when the ring is over. */
export function useRingAlerts(
  ringer: Ringer,
  state: CallState,
  peer: string,
  silenced: Signal<boolean>,
): void {
  useEffect(() => {
    const sound = state === "ringing"
      ? "ringtone"
      : state === "calling"
      ? "ringback"
      : null;
    if (sound && !silenced.value) ringer.play(sound);
    else ringer.stop();
    if (state === "ringing" && document.hidden) {
      const title = document.title;
      document.title = `Incoming call from ${peer} — Nexus Call`;
      const notification = globalThis.Notification?.permission === "granted"
        ? new Notification("Incoming call", {
          body: `${peer} is calling you`,
          tag: "nexus-call",
        })
        : null;
      return () => {
        document.title = title;
        notification?.close();
      };
    }
  }, [state, silenced.value]);

  useEffect(() => {
    if (state !== "ringing" && state !== "calling") silenced.value = false;
  }, [state]);
}
