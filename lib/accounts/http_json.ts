/**
 * What every JSON endpoint of accounts mode shares: answers and refusals
 * as JSON, never cached, and bodies read with a size cap and checked with
 * valibot, each failure a status with a code and a sentence.
 * @module
 */
import * as v from "valibot";
import { AccountError } from "./account_error.ts";
import type { KeyedBuckets } from "../signaling/rate_limit.ts";

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
  headers: Record<string, string> = {},
): Response {
  return answer(
    { error: error.code, message: error.message },
    error.status,
    error.retryAfterS === undefined
      ? headers
      : { ...headers, "retry-after": String(error.retryAfterS) },
  );
}

/**
 * The refusal of a request over its rate limit, which refills a token in
 * `seconds`: `Retry-After` and the sentence say when to try again.
 */
export function tooMany(seconds: number): AccountError {
  const wait = Math.max(1, Math.ceil(seconds));
  return new AccountError(
    429,
    "rate-limited",
    `Too many attempts just now; try again in ${wait} s.`,
    wait,
  );
}

/** Takes a token from `key`'s bucket, or refuses with how long until the next one. */
export function limit(buckets: KeyedBuckets, key: string): void {
  if (!buckets.take(key)) throw tooMany(buckets.secondsUntil(key));
}

const TOO_LARGE = new AccountError(
  413,
  "too-large",
  "That request is too large.",
);

/**
 * The request's body as text, read no further than `max` bytes: a body sent
 * in chunks names no length, and reading it whole first would let one
 * request hold as much memory as it sends.
 */
export async function cappedText(req: Request, max: number): Promise<string> {
  if (Number(req.headers.get("content-length") ?? 0) > max) throw TOO_LARGE;
  if (!req.body) return "";
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  const reader = req.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    bytes += read.value.byteLength;
    if (bytes > max) {
      await reader.cancel();
      throw TOO_LARGE;
    }
    chunks.push(read.value);
  }
  const body = new Uint8Array(bytes);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(body);
}

/** The request's JSON body, checked against `schema`; refused when too large, not JSON or not as expected. */
export async function readBody<T extends v.GenericSchema>(
  req: Request,
  schema: T,
): Promise<v.InferOutput<T>> {
  const text = await cappedText(req, MAX_BODY_BYTES);
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
