/**
 * The pages' calls to `/auth/*`: JSON in, JSON out, a refusal thrown as an
 * `AuthError` with the server's sentence. Browser-only, and without the
 * WebAuthn library, so that the pages that need no passkey do not load it.
 * @module
 */

/** A refusal from the server, or a ceremony the person cancelled, in a sentence. */
export class AuthError extends Error {
  /** The server's HTTP status; 0 when the server did not refuse (a ceremony). */
  readonly status: number;

  constructor(message: string, status = 0) {
    super(message);
    this.status = status;
  }

  /** The server says this browser is not signed in. */
  get signedOut(): boolean {
    return this.status === 401;
  }
}

/** Posts `body` to `/auth/<action>` (GET without a body) and returns its JSON answer. */
export async function authCall<T = Record<string, unknown>>(
  action: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`/auth/${action}`, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new AuthError(
      answer.message ?? `The server answered ${response.status}.`,
      response.status,
    );
  }
  return answer as T;
}

/**
 * A page could not load its account's data: a browser that is not signed in
 * goes to the sign-in page; any other refusal is said in words.
 */
export function loadFailed(error: unknown, say: (sentence: string) => void) {
  if (error instanceof AuthError && error.signedOut) {
    location.assign("/signin");
  } else say(error instanceof Error ? error.message : String(error));
}
