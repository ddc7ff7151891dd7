import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { when } from "../lib/page/when.ts";
import { Button } from "./Button.tsx";
import {
  pushSupported,
  ringHere,
  ringingBrowsers,
  stopRinging,
  stopRingingHere,
} from "../lib/page/push/ring_here.ts";
import type { RingingBrowser } from "../lib/wire/push_api.ts";

/**
 * Settings' "Ring when Nexus Call is closed": this browser's toggle, the
 * browsers that ring for the account, and how to make an iPhone or iPad
 * ring (iOS pushes only to apps added to the Home Screen).
 */
export function RingWhenClosed() {
  const browsers = useSignal<RingingBrowser[]>([]);
  const here = useSignal<string | null>(null);
  const busy = useSignal(false);
  const problem = useSignal("");
  const supported = pushSupported();

  const load = async () => {
    const found = await ringingBrowsers();
    browsers.value = found.browsers;
    here.value = found.here;
  };
  useEffect(() => {
    load().catch((error) => problem.value = String(error?.message ?? error));
  }, []);

  /** Runs `step` with the toggle held, then shows the list as it is now. */
  const act = async (step: () => Promise<unknown>) => {
    busy.value = true;
    problem.value = "";
    try {
      await step();
    } catch (error) {
      problem.value = error instanceof Error ? error.message : String(error);
    }
    await load().catch(() => {});
    busy.value = false;
  };

  return (
    <section
      aria-label="Ring when Nexus Call is closed"
      class="flex flex-col gap-2"
    >
      <h2 class="text-lg font-medium">Ring when Nexus Call is closed</h2>
      {supported
        ? (
          <label class="flex items-center gap-2">
            <input
              type="checkbox"
              class="w-5 h-5"
              checked={here.value !== null}
              disabled={busy.value}
              onChange={() => act(here.value ? stopRingingHere : ringHere)}
            />
            Ring this browser when Nexus Call is closed
          </label>
        )
        : <p>This browser cannot ring while Nexus Call is closed.</p>}
      <p class="text-sm">
        On an iPhone or iPad (iOS 16.4 or later), add Nexus Call to the Home
        Screen first: in Safari, tap Share, then Add to Home Screen. Open it
        from there, come back to this page and turn ringing on.
      </p>
      {browsers.value.length > 0 && (
        <ul aria-label="Browsers that ring" class="flex flex-col gap-1">
          {browsers.value.map((browser) => (
            <li key={browser.id} class="flex items-center gap-3">
              <span>
                {browser.device}, added {when(browser.createdAt)}
                {browser.id === here.value && " (this browser)"}
              </span>
              <Button
                aria-label={`Stop ringing ${browser.device}, added ${
                  when(browser.createdAt)
                }`}
                disabled={busy.value}
                onClick={() =>
                  act(() =>
                    stopRinging(browser.id)
                  )}
              >
                Stop ringing
              </Button>
            </li>
          ))}
        </ul>
      )}
      {problem.value && <p role="alert">{problem.value}</p>}
    </section>
  );
}
