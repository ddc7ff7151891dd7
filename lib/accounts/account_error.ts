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
  ) {
    super(message);
  }
}
