/**
 * The sign-in and settings pages' calls to `/auth/*`, and the WebAuthn
 * ceremonies around them (`@simplewebauthn/browser`). Browser-only.
 * @module
 */
import {
  startAuthentication,
  startRegistration,
} from "@simplewebauthn/browser";
import { authCall, AuthError } from "./auth_call.ts";

/** What the browser says when the person closes its passkey dialog, in words. */
function ceremonyError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  const name = (error as Error)?.name;
  return new AuthError(
    name === "NotAllowedError"
      ? "The passkey was not used: the dialog was closed or timed out."
      : name === "InvalidStateError"
      ? "This device already holds a passkey for this account."
      : `The passkey could not be made: ${(error as Error)?.message ?? error}.`,
  );
}

/** Makes a passkey with options from `optionsAction`, and hands it to `action` with `extra`. */
export async function createPasskey(
  optionsAction: string,
  action: string,
  extra: Record<string, unknown>,
): Promise<void> {
  try {
    const optionsJSON = await authCall(optionsAction, extra);
    const response = await startRegistration({ optionsJSON } as never);
    await authCall(action, { ...extra, response });
  } catch (error) {
    throw ceremonyError(error);
  }
}

/** Signs in with a passkey this browser (or a phone) holds for this site. */
export async function signInWithPasskey(): Promise<void> {
  try {
    const optionsJSON = await authCall("sign-in/options", {});
    const response = await startAuthentication({ optionsJSON } as never);
    await authCall("sign-in", { response });
  } catch (error) {
    throw ceremonyError(error);
  }
}
