import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { Button } from "./Button.tsx";
import { CopyField } from "./CopyField.tsx";
import { authCall } from "../lib/page/sign_in/auth_call.ts";
import { when } from "../lib/page/when.ts";
import {
  type CallLinkView,
  LINK_PATH,
  NAME_MAX,
  type NewCallLink,
} from "../lib/wire/link_api.ts";

/** How long a new link may work, as the choice offers it. */
const DURATIONS = [
  { hours: 1, words: "1 hour" },
  { hours: 24, words: "1 day" },
  { hours: 7 * 24, words: "7 days" },
  { hours: 30 * 24, words: "30 days" },
];

/**
 * Settings' "Call links": make a link someone without an account calls
 * you by (who it is for, how long it works, once or until revoked), see
 * the links that work, and revoke one. A new link is shown once, with
 * Copy: the server keeps only its hash.
 */
export function CallLinksSection() {
  const links = useSignal<CallLinkView[]>([]);
  const made = useSignal("");
  const problem = useSignal("");

  useEffect(() => {
    authCall<{ links: CallLinkView[] }>("links").then(
      (answer) => links.value = answer.links,
      (error) => problem.value = error.message,
    );
  }, []);

  /** Posts a change; the list comes back with the answer. */
  const change = async (
    action: string,
    body: unknown,
  ): Promise<{ made?: NewCallLink } | null> => {
    problem.value = "";
    try {
      const answer = await authCall<
        { links: CallLinkView[]; made?: NewCallLink }
      >(action, body);
      links.value = answer.links;
      return answer;
    } catch (error) {
      problem.value = (error as Error).message;
      return null;
    }
  };

  return (
    <section aria-label="Call links" class="flex flex-col gap-2">
      <h2 class="text-lg font-medium">Call links</h2>
      <p>
        Someone without an account can call you from a link: it rings you and
        nobody else.
      </p>
      <form
        class="flex flex-wrap items-end gap-3"
        onSubmit={async (event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const answer = await change("links/create", {
            label: form.get("label"),
            hours: Number(form.get("hours")),
            once: form.get("once") === "on",
          });
          if (answer?.made) {
            made.value = location.origin + LINK_PATH + answer.made.secret;
          }
        }}
      >
        <label class="flex flex-col text-sm font-medium">
          Who it is for
          <input
            name="label"
            required
            maxLength={NAME_MAX}
            class="mt-1 px-3 py-2 border rounded-lg text-base bg-white text-gray-900 dark:bg-gray-800 dark:text-gray-100 dark:border-gray-600"
          />
        </label>
        <label class="flex flex-col text-sm font-medium">
          Works for
          <select
            name="hours"
            class="mt-1 px-3 py-2 border rounded-lg text-base bg-white text-gray-900 dark:bg-gray-800 dark:text-gray-100 dark:border-gray-600"
          >
            {DURATIONS.map(({ hours, words }) => (
              <option key={hours} value={hours} selected={hours === 24}>
                {words}
              </option>
            ))}
          </select>
        </label>
        <label class="flex items-center gap-2">
          <input type="checkbox" name="once" class="w-5 h-5" />
          For one call only
        </label>
        <Button type="submit" tone="primary">Make link</Button>
      </form>
      {made.value && (
        <>
          <CopyField label="New call link" value={made.value} />
          <p class="text-sm">
            Copy it now: it is shown only once. Anyone with it can ring you.
          </p>
        </>
      )}
      <ul class="flex flex-col gap-1">
        {links.value.map((link) => (
          <li key={link.id} class="flex flex-wrap items-center gap-3">
            <span>
              {link.label}
              {link.once && " (one call)"}, works until {when(link.expiresAt)}
              {link.usedAt === null
                ? ", not used yet"
                : `, last used ${when(link.usedAt)}`}
            </span>
            <Button
              aria-label={`Revoke link ${link.label}`}
              onClick={() =>
                change("links/revoke", { id: link.id })}
            >
              Revoke
            </Button>
          </li>
        ))}
      </ul>
      {problem.value && <p role="alert">{problem.value}</p>}
    </section>
  );
}
