/**
 * The history page's island: this account's calls, newest first, with
 * **Call back** on each, an export as JSON and a way to clear it all.
 * Opening it counts as looking at the missed calls: the badge empties on
 * every device.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { AccountPage } from "../components/AccountPage.tsx";
import { Button } from "../components/Button.tsx";
import { HistoryItem } from "../components/HistoryItem.tsx";
import { leaveCallBack } from "../lib/page/call/call_back.ts";
import type { HistoryView } from "../lib/wire/people_api.ts";
import {
  authCall,
  AuthError,
  loadFailed,
} from "../lib/page/sign_in/auth_call.ts";

/** The account's call history. */
export default function CallHistory() {
  const view = useSignal<HistoryView | null>(null);
  const problem = useSignal("");
  const done = useSignal("");
  // Looking at the missed calls is recorded before the page is left for a call back.
  const seen = useRef<Promise<unknown>>(Promise.resolve());

  useEffect(() => {
    authCall<HistoryView>("history").then((loaded) => {
      view.value = loaded;
      if (loaded.missed > 0) seen.current = authCall("history/seen", {});
      return seen.current;
    }).catch((error) =>
      loadFailed(error, (sentence) => problem.value = sentence)
    );
  }, []);

  const clear = async () => {
    problem.value = done.value = "";
    try {
      await authCall("history/clear", {});
      view.value = { ...view.value!, entries: [], missed: 0 };
      done.value = "Your call history is cleared.";
    } catch (error) {
      problem.value = error instanceof AuthError
        ? error.message
        : String(error);
    }
  };
  const callBack = async (peer: string) => {
    leaveCallBack(sessionStorage, peer);
    await seen.current.catch(() => {});
    location.assign("/");
  };

  const current = view.value;
  return (
    <AccountPage title="Call history">
      {problem.value && <p role="alert">{problem.value}</p>}
      <p role="status">{done.value}</p>
      {current && (
        <>
          {current.missed > 0 && (
            <p>
              {current.missed} missed {current.missed === 1 ? "call" : "calls"}
              {" "}
              since you last looked.
            </p>
          )}
          {current.entries.length === 0
            ? <p>No calls in your history.</p>
            : (
              <ul aria-label="Calls" class="flex flex-col gap-2">
                {current.entries.map((entry) => (
                  <HistoryItem
                    key={entry.callId}
                    entry={entry}
                    onCallBack={callBack}
                  />
                ))}
              </ul>
            )}
          <div class="flex flex-wrap items-center gap-3">
            <a
              class="underline"
              href="/auth/history/export"
              download="nexus-call-history.json"
            >
              Export as JSON
            </a>
            <Button
              tone="danger"
              disabled={current.entries.length === 0}
              onClick={clear}
            >
              Clear history
            </Button>
          </div>
          <p class="text-sm text-gray-600 dark:text-gray-300">
            Calls are kept for {current.keepDays} days.
          </p>
        </>
      )}
    </AccountPage>
  );
}
