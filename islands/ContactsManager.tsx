/**
 * The contacts page's island: add someone by id, answer requests, remove
 * and block, and choose who may call. Each change answers with the whole
 * view as it is now, which the page shows.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { AccountPage } from "../components/AccountPage.tsx";
import { Button } from "../components/Button.tsx";
import {
  PeopleSection,
  type PersonAction,
} from "../components/PeopleSection.tsx";
import {
  authCall,
  AuthError,
  loadFailed,
} from "../lib/page/sign_in/auth_call.ts";
import type { ContactsView, WhoMayCall } from "../lib/wire/people_api.ts";

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
      (error) => loadFailed(error, (sentence) => problem.value = sentence),
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
  const blockAction: PersonAction = {
    label: "Block",
    tone: "danger",
    run: (userId) =>
      change(
        "blocks/add",
        { userId },
        `${userId} is blocked: no calls, requests or presence.`,
      ),
  };

  const current = view.value;
  return (
    <AccountPage title="Contacts">
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
          <PeopleSection
            title="Requests"
            label="Contact requests"
            empty="No requests."
            people={current.requests.map((userId) => ({
              userId,
              words: `${userId} added you`,
            }))}
            actions={[
              { label: "Accept", tone: "accept", run: add },
              {
                label: "Decline",
                run: (userId) =>
                  change(
                    "contacts/decline",
                    { userId },
                    `Declined ${userId}.`,
                  ),
              },
              blockAction,
            ]}
          />
          <PeopleSection
            title="Your contacts"
            label="Your contacts"
            empty="No contacts yet."
            people={current.contacts.map(({ userId, mutual }) => ({
              userId,
              words: mutual ? userId : `${userId} (has not added you back)`,
            }))}
            actions={[
              {
                label: "Remove",
                run: (userId) =>
                  change(
                    "contacts/remove",
                    { userId },
                    `${userId} is no longer a contact.`,
                  ),
              },
              blockAction,
            ]}
          />
          <PeopleSection
            title="Blocked"
            label="Blocked"
            empty="Nobody is blocked."
            people={current.blocked.map((userId) => ({
              userId,
              words: userId,
            }))}
            actions={[{
              label: "Unblock",
              run: (userId) =>
                change(
                  "blocks/remove",
                  { userId },
                  `${userId} is no longer blocked.`,
                ),
            }]}
          />
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
    </AccountPage>
  );
}
