/**
 * The settings page's island: this account's passkeys (add, remove), the
 * browsers signed in to it (sign out here or everywhere), the browsers that
 * ring while Nexus Call is closed, call links, and invites.
 * @module
 */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { AccountPage } from "../components/AccountPage.tsx";
import { when } from "../lib/page/when.ts";
import { Button } from "../components/Button.tsx";
import { CopyField } from "../components/CopyField.tsx";
import { RingWhenClosed } from "../components/RingWhenClosed.tsx";
import { CallLinksSection } from "../components/CallLinksSection.tsx";
import { createPasskey } from "../lib/page/sign_in/auth_api.ts";
import { authCall, AuthError } from "../lib/page/sign_in/auth_call.ts";

interface Overview {
  userId: string;
  canInvite: boolean;
  passkeys: { id: string; label: string; createdAt: number }[];
  sessions: { device: string; lastUsedAt: number; current: boolean }[];
}

/** The account's settings. */
export default function AccountSettings(
  props: { push: boolean; callLinks: boolean },
) {
  const overview = useSignal<Overview | null>(null);
  const problem = useSignal("");
  const inviteLink = useSignal("");

  const load = async () => {
    try {
      overview.value = await authCall<Overview>("me");
    } catch {
      location.assign("/signin");
    }
  };
  useEffect(() => void load(), []);

  const failed = (error: unknown) => {
    problem.value = error instanceof AuthError ? error.message : String(error);
  };
  /** Runs `step`, then shows the account as it is now. */
  const act = async (step: () => Promise<unknown>) => {
    problem.value = "";
    try {
      await step();
      await load();
    } catch (error) {
      failed(error);
    }
  };
  const signOut = async (action: string) => {
    problem.value = "";
    try {
      await authCall(action, {});
      location.assign("/signin");
    } catch (error) {
      failed(error);
    }
  };

  const me = overview.value;
  return (
    <AccountPage title="Your account">
      {me && (
        <>
          <p>
            Signed in as <strong>{me.userId}</strong>
          </p>
          <section aria-label="Passkeys" class="flex flex-col gap-2">
            <h2 class="text-lg font-medium">Passkeys</h2>
            <ul class="flex flex-col gap-1">
              {me.passkeys.map((passkey) => (
                <li key={passkey.id} class="flex items-center gap-3">
                  <span>
                    {passkey.label}, added {when(passkey.createdAt)}
                  </span>
                  <Button
                    aria-label={`Remove passkey ${passkey.label}, added ${
                      when(passkey.createdAt)
                    }`}
                    onClick={() =>
                      act(() =>
                        authCall("passkeys/remove", { id: passkey.id })
                      )}
                  >
                    Remove
                  </Button>
                </li>
              ))}
            </ul>
            <Button
              class="self-start"
              onClick={() =>
                act(() => createPasskey("passkeys/options", "passkeys", {}))}
            >
              Add a passkey
            </Button>
          </section>
          <section aria-label="Signed-in browsers" class="flex flex-col gap-2">
            <h2 class="text-lg font-medium">Signed-in browsers</h2>
            <ul>
              {me.sessions.map((session, index) => (
                <li key={index}>
                  {session.device}, last used {when(session.lastUsedAt)}
                  {session.current && " (this browser)"}
                </li>
              ))}
            </ul>
            <div class="flex gap-2">
              <Button
                onClick={() => signOut("sign-out")}
              >
                Sign out
              </Button>
              <Button
                tone="danger"
                onClick={() => signOut("sign-out-everywhere")}
              >
                Sign out everywhere
              </Button>
            </div>
          </section>
          {props.push && <RingWhenClosed />}
          {props.callLinks && <CallLinksSection />}
          {me.canInvite && (
            <section aria-label="Invites" class="flex flex-col gap-2">
              <h2 class="text-lg font-medium">Invite someone</h2>
              <Button
                class="self-start"
                onClick={() =>
                  act(async () => {
                    inviteLink.value =
                      (await authCall<{ link: string }>("invites", {})).link;
                  })}
              >
                Create an invite link
              </Button>
              {inviteLink.value && (
                <CopyField
                  label="Invite link (works once, for 3 days)"
                  value={inviteLink.value}
                />
              )}
            </section>
          )}
        </>
      )}
      {problem.value && <p role="alert">{problem.value}</p>}
    </AccountPage>
  );
}
