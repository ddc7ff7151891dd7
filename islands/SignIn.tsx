/**
 * The sign-in page's island: sign in with a passkey, or, from an invite
 * link, create the account and its first passkey.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { Button } from "../components/Button.tsx";
import { savedDark, showTheme } from "../lib/page/theme.ts";
import {
  createPasskey,
  signInWithPasskey,
} from "../lib/page/sign_in/auth_api.ts";

/** What the page knows of the invite in its link. */
export interface SignInProps {
  /** The invite code from `?invite=`, when it is still good. */
  invite: string | null;
  /** The id the invite fixes, if it does. */
  invitedId: string | null;
  /** The link had an invite that is used up or expired. */
  inviteGone: boolean;
  /** The single sign-on provider's name, when the server has one. */
  singleSignOn: string | null;
}

/** Sign in, or create an account from an invite. */
export default function SignIn(props: SignInProps) {
  const userId = useSignal(props.invitedId ?? "");
  // The buttons work once the page's script runs: until then they say so by being disabled.
  const busy = useSignal(true);
  useEffect(() => {
    busy.value = false;
    showTheme(savedDark());
  }, []);
  const problem = useSignal(
    props.inviteGone
      ? "This invite link has been used or has expired. Ask for a new one."
      : "",
  );

  const run = async (step: () => Promise<void>) => {
    busy.value = true;
    problem.value = "";
    try {
      await step();
      location.assign("/");
    } catch (error) {
      problem.value = (error as Error).message;
      busy.value = false;
    }
  };

  return (
    <main class="max-w-md mx-auto p-4 flex flex-col gap-4 min-h-screen dark:bg-gray-900 dark:text-gray-100">
      <h1 class="text-2xl font-bold">Nexus Call</h1>
      {props.invite
        ? (
          <form
            class="flex flex-col gap-3"
            onSubmit={(event) => {
              event.preventDefault();
              run(() =>
                createPasskey("register/options", "register", {
                  invite: props.invite,
                  userId: userId.value.trim(),
                })
              );
            }}
          >
            <h2 class="text-lg font-medium">Create your account</h2>
            <label class="flex flex-col gap-1">
              Your id
              <input
                class="border rounded-lg px-3 py-2 dark:bg-gray-800"
                value={userId.value}
                readOnly={props.invitedId !== null}
                disabled={busy.value}
                required
                maxLength={64}
                onInput={(event) => userId.value = event.currentTarget.value}
              />
            </label>
            <p class="text-sm text-gray-600 dark:text-gray-300">
              Your passkey (this device's screen lock, or a phone) signs you in:
              there is no password.
            </p>
            <Button type="submit" tone="primary" disabled={busy.value}>
              Create passkey
            </Button>
          </form>
        )
        : (
          <Button
            tone="primary"
            class="self-start"
            disabled={busy.value}
            onClick={() => run(signInWithPasskey)}
          >
            Sign in with a passkey
          </Button>
        )}
      {!props.invite && props.singleSignOn && (
        <a class="self-start underline" href="/auth/oidc/start">
          Sign in with {props.singleSignOn}
        </a>
      )}
      {problem.value && <p role="alert">{problem.value}</p>}
    </main>
  );
}
