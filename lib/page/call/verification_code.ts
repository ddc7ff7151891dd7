/**
 * A call's verification code: a short number both people read to each
 * other, made from the two DTLS certificate fingerprints of their connected
 * transport. Someone in the middle of the call ends DTLS on each side with
 * a certificate of its own, so each side hashes a different pair and the
 * two codes differ. It is loaded when the code is first shown: the hash
 * is slow, and most calls never show it.
 * @module
 */
import type { Fingerprint } from "./transport_keys.ts";

/**
 * PBKDF2 rounds in the code's hash. Without a commitment, someone in the
 * middle who knows both people's lasting certificates may search offline
 * for a certificate of its own whose code matches; each try then costs
 * this many hashes, which puts a 50-bit code out of reach (SECURITY.md).
 */
export const CODE_ROUNDS = 100_000;

/** Digits in the code: about 50 bits, read as three groups of five. */
export const CODE_DIGITS = 15;

const SALT = new TextEncoder().encode("nexus-call verification code 1");

/**
 * The code for a transport whose two ends present `a` and `b`: the same
 * whichever end computes it, as `"12345 67890 12345"`.
 */
export async function verificationCode(
  a: Fingerprint,
  b: Fingerprint,
): Promise<string> {
  const pair = [a, b].sort().join("\n");
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(pair),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: SALT, iterations: CODE_ROUNDS },
    key,
    64,
  );
  // 2^64 over 10^15 leaves a bias of one part in 18,000: no help to a search.
  const number = new DataView(bits).getBigUint64(0) %
    10n ** BigInt(CODE_DIGITS);
  const digits = number.toString().padStart(CODE_DIGITS, "0");
  return digits.match(/\d{5}/g)!.join(" ");
}
