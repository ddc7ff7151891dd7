/**
 * The contacts page's island: add someone by id, answer requests, remove
 * and block, and choose who may call. Each change answers with the whole
 * view as it is now, which the page shows.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { Button } from "../components/Button.tsx";
import { authCall, AuthError } from "../lib/sign_in/auth_call.ts";
import type { ContactsView, WhoMayCall } from "../lib/people_api.ts";

const SETTINGS: [WhoMayCall, string][] = [
  ["contacts", "My contacts"],
  ["anyone", "Anyone on this server"],
];

/** The account's contacts, requests, blocks and who may call it. */
export default function ContactsManager() {
  const view = useSignal<ContactsView | null>(null);
  const newContact = useSignal("");
  const problem = useSignal("");
  const done = useSignal("");

  useEffect(() => {
    authCall<ContactsView>("contacts").then(
      (loaded) => view.value = loaded,
      () => location.assign("/signin"),
    );
  }, []);

  /** Posts a change; the answer is the view as it is now. */
  const change = async (action: string, body: unknown, sentence: string) => {
    problem.value = done.value = "";
    try {
      view.value = await authCall<ContactsView>(action, body);
      done.value = sentence;
    } catch (error) {
      problem.value = error instanceof AuthError
        ? error.message
        : String(error);
    }
  };
  const add = (userId: string) =>
    change("contacts/add", { userId }, `${userId} is now a contact.`);
  const block = (userId: string) =>
    change(
      "blocks/add",
      { userId },
      `${userId} is blocked: no calls, requests or presence.`,
    );

  const current = view.value;
  return (
    <main class="max-w-2xl mx-auto p-4 flex flex-col gap-4 min-h-screen dark:bg-gray-900 dark:text-gray-100">
      <header class="flex items-center justify-between">
        <h1 class="text-2xl font-bold">Contacts</h1>
        <a class="underline" href="/">Back to calls</a>
      </header>
      <form
        class="flex flex-wrap items-end gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          const userId = newContact.value.trim();
          if (userId) add(userId).then(() => newContact.value = "");
        }}
      >
        <label class="flex flex-col gap-1">
          User id to add
          <input
            class="border rounded-lg px-3 py-2 dark:bg-gray-800"
            value={newContact.value}
            onInput={(event) => newContact.value = event.currentTarget.value}
            autoComplete="off"
          />
        </label>
        <Button type="submit" tone="primary" disabled={!current}>
          Add contact
        </Button>
      </form>
      {problem.value && <p role="alert">{problem.value}</p>}
      <p role="status">{done.value}</p>
      {current && (
        <>
          <section aria-label="Contact requests" class="flex flex-col gap-2">
            <h2 class="text-lg font-medium">Requests</h2>
            {current.requests.length === 0 && <p>No requests.</p>}
            <ul class="flex flex-col gap-1">
              {current.requests.map((userId) => (
                <li key={userId} class="flex flex-wrap items-center gap-2">
                  <span>{userId} added you</span>
                  <Button
                    tone="accept"
                    aria-label={`Accept ${userId}`}
                    onClick={() =>
                      add(userId)}
                  >
                    Accept
                  </Button>
                  <Button
                    aria-label={`Decline ${userId}`}
                    onClick={() =>
                      change(
                        "contacts/decline",
                        { userId },
                        `Declined ${userId}.`,
                      )}
                  >
                    Decline
                  </Button>
                  <Button
                    tone="danger"
                    aria-label={`Block ${userId}`}
                    onClick={() =>
                      block(userId)}
                  >
                    Block
                  </Button>
                </li>
              ))}
            </ul>
          </section>
          <section aria-label="Your contacts" class="flex flex-col gap-2">
            <h2 class="text-lg font-medium">Your contacts</h2>
            {current.contacts.length === 0 && <p>No contacts yet.</p>}
            <ul class="flex flex-col gap-1">
              {current.contacts.map(({ userId, mutual }) => (
                <li key={userId} class="flex flex-wrap items-center gap-2">
                  <span>
                    {userId}
                    {!mutual && " (has not added you back)"}
                  </span>
                  <Button
                    aria-label={`Remove ${userId}`}
                    onClick={() =>
                      change(
                        "contacts/remove",
                        { userId },
                        `${userId} is no longer a contact.`,
                      )}
                  >
                    Remove
                  </Button>
                  <Button
                    tone="danger"
                    aria-label={`Block ${userId}`}
                    onClick={() =>
                      block(userId)}
                  >
                    Block
                  </Button>
                </li>
              ))}
            </ul>
          </section>
          <section aria-label="Blocked" class="flex flex-col gap-2">
            <h2 class="text-lg font-medium">Blocked</h2>
            {current.blocked.length === 0 && <p>Nobody is blocked.</p>}
            <ul class="flex flex-col gap-1">
              {current.blocked.map((userId) => (
                <li key={userId} class="flex items-center gap-2">
                  <span>{userId}</span>
                  <Button
                    aria-label={`Unblock ${userId}`}
                    onClick={() =>
                      change(
                        "blocks/remove",
                        { userId },
                        `${userId} is no longer blocked.`,
                      )}
                  >
                    Unblock
                  </Button>
                </li>
              ))}
            </ul>
          </section>
          <fieldset class="flex flex-col gap-1">
            <legend class="text-lg font-medium">Who may call me</legend>
            {SETTINGS.map(([value, label]) => (
              <label key={value} class="flex items-center gap-2">
                <input
                  type="radio"
                  name="who-may-call"
                  checked={current.whoMayCall === value}
                  onChange={() =>
                    change(
                      "who-may-call",
                      { whoMayCall: value },
                      `Who may call you: ${label.toLowerCase()}.`,
                    )}
                />
                {label}
              </label>
            ))}
            <p class="text-sm text-gray-600 dark:text-gray-300">
              Only people who may call you see when you are online. To anyone
              else you look offline.
            </p>
          </fieldset>
        </>
      )}
    </main>
  );
}
