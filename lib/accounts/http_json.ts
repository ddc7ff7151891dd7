/**
 * What every JSON endpoint of accounts mode shares: answers and refusals
 * as JSON, never cached, and bodies read with a size cap and checked with
 * valibot, each failure a status with a code and a sentence.
 * @module
 */
import * as v from "valibot";
import { AccountError } from "./account_error.ts";

/** The most a request body may hold. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A string of at most `max` characters. */
export const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));
/** A JSON answer, never cached. */
export function answer(
  body: unknown,
  status = 200,
  headers: HeadersInit = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json",
      "cache-control": "no-store",
      ...headers,
    },
  });
}

/** A refusal as JSON: its status, code and sentence. */
export function refusal(
  error: AccountError,
  headers: HeadersInit = {},
): Response {
  return answer(
    { error: error.code, message: error.message },
    error.status,
    headers,
  );
}

/** The refusal of a request over its rate limit. */
export const TOO_MANY = new AccountError(
  429,
  "rate-limited",
  "Too many attempts just now; wait a minute and try again.",
);

/** The request's JSON body, checked against `schema`; refused when too large, not JSON or not as expected. */
export async function readBody<T extends v.GenericSchema>(
  req: Request,
  schema: T,
): Promise<v.InferOutput<T>> {
  const length = Number(req.headers.get("content-length") ?? 0);
  const text = length > MAX_BODY_BYTES ? null : await req.text();
  if (text === null || text.length > MAX_BODY_BYTES) {
    throw new AccountError(413, "too-large", "That request is too large.");
  }
  let json: unknown;
  try {
    json = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new AccountError(400, "invalid-json", "The request is not JSON.");
  }
  const parsed = v.safeParse(schema, json);
  if (!parsed.success) {
    throw new AccountError(
      400,
      "invalid-request",
      `The request is not as expected: ${parsed.issues[0].message}.`,
    );
  }
  return parsed.output;
}
