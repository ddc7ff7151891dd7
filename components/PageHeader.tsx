import { Button } from "./Button.tsx";

/**
 * The calling page's header: who is signed in, the theme switch, sign-out
 * (open and token modes, between calls), and in accounts mode the links to
 * contacts, history (with the missed calls) and the account.
 */
export function PageHeader(
  props: {
    /** Who is signed in; null while nobody is. */
    selfId: string | null;
    dark: boolean;
    onToggleDark(): void;
    /** Signs out; null where the page offers no sign-out now. */
    onSignOut: (() => void) | null;
    accounts: boolean;
    missed: number;
    /** Not shown (while a ring takes the whole screen). */
    hidden?: boolean;
  },
) {
  const signedIn = props.selfId !== null;
  return (
    <header
      class={props.hidden
        ? "hidden"
        : "flex flex-wrap items-center gap-3 justify-between"}
    >
      <h1 class="text-2xl font-bold">Nexus Call</h1>
      <div class="flex items-center gap-2 text-sm text-gray-600 dark:text-gray-300">
        {signedIn && (
          <span>
            Signed in as <strong>{props.selfId}</strong>
          </span>
        )}
        <Button aria-pressed={props.dark} onClick={props.onToggleDark}>
          Dark theme
        </Button>
        {signedIn && props.onSignOut && (
          <Button onClick={props.onSignOut}>Sign out</Button>
        )}
        {signedIn && props.accounts && (
          <>
            <a class="underline" href="/contacts">Contacts</a>
            <a class="underline" href="/history">
              Call history
              {props.missed > 0 && (
                <>
                  {" "}
                  <span class="px-2 rounded-full bg-red-600 text-white">
                    {props.missed} missed
                  </span>
                </>
              )}
            </a>
            <a class="underline" href="/settings">Account</a>
          </>
        )}
      </div>
    </header>
  );
}
