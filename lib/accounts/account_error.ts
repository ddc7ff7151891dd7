/**
 * A request about accounts refused: an HTTP status, a code for programs,
 * and a sentence for the person.
 * @module
 */

/** A refusal, as `http.ts` answers it. */
export class AccountError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** With a 429: whole seconds until trying again can succeed. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}
