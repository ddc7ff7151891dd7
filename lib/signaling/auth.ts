/**
 * Token authentication for `/ws`: an HS256 JWT whose `sub` is the user id and
 * whose `exp` is required. Any other algorithm, `alg: none` included, is
 * refused, and so is a header with `crit` or `b64` (RFC 7515 §4.1.11).
 *
 * The check is synchronous on purpose. Deno (2.9) leaks the connection, file
 * descriptor and all, of an upgrade whose client left while the handler
 * yielded to the event loop; the WebCrypto behind `jose`'s `jwtVerify`
 * yields. So the signature is checked with `node:crypto`'s synchronous HMAC,
 * and `jose` decodes the parts.
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, SignJWT } from "jose";
import { isUserId } from "../wire/protocol.ts";

/** Clock skew allowed between the token's issuer and this server, in seconds. */
export const CLOCK_TOLERANCE_S = 30;

/** The outcome of checking a token. */
export type TokenCheck =
  | { ok: true; userId: string; expiresAt: number }
  | { ok: false; reason: string };

const encoder = new TextEncoder();

const NOT_A_JWT = "The token is not a valid JWT.";

function refused(reason: string): TokenCheck {
  return { ok: false, reason };
}

/** Whether `signature` (base64url) is the HS256 signature of `signed` under `secret`. */
function signatureMatches(
  signed: string,
  signature: string,
  secret: string,
): boolean {
  const expected = createHmac("sha256", secret).update(signed).digest();
  const given = new Uint8Array(
    Array.from(
      atob(signature.replace(/-/g, "+").replace(/_/g, "/")),
      (char) => char.charCodeAt(0),
    ),
  );
  return given.length === expected.length &&
    timingSafeEqual(given, new Uint8Array(expected));
}

/** Checks a token against the server's secret. */
export function verifyToken(
  token: string | null,
  secret: string,
  now: Date = new Date(),
): TokenCheck {
  if (!token) {
    return refused(
      "This server needs a sign-in token: connect to /ws?token=<JWT>.",
    );
  }
  const parts = token.split(".");
  if (parts.length !== 3) return refused(NOT_A_JWT);
  let header: ReturnType<typeof decodeProtectedHeader>;
  let payload: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(token);
    payload = decodeJwt(token);
  } catch {
    return refused(NOT_A_JWT);
  }
  if (header.alg !== "HS256") {
    return refused("The token must be signed with HS256.");
  }
  // RFC 7515 §4.1.11: a JWS whose `crit` names anything must be refused by
  // a recipient that understands no extension, and this one understands none
  // (`b64: false` would change what is signed).
  if ("crit" in header || "b64" in header) {
    return refused(
      "The token's header names an extension (crit or b64) this server does not understand.",
    );
  }
  let matches: boolean;
  try {
    matches = signatureMatches(`${parts[0]}.${parts[1]}`, parts[2], secret);
  } catch {
    return refused(NOT_A_JWT);
  }
  if (!matches) {
    return refused(
      "The token's signature does not match this server's secret.",
    );
  }
  const seconds = now.getTime() / 1000;
  const { exp, nbf, sub } = payload;
  if (typeof exp !== "number" || !Number.isFinite(exp)) {
    return refused("The token's exp claim is missing or invalid.");
  }
  if (exp <= seconds - CLOCK_TOLERANCE_S) {
    return refused("The token has expired: get a new one.");
  }
  if (
    nbf !== undefined &&
    (typeof nbf !== "number" || nbf > seconds + CLOCK_TOLERANCE_S)
  ) {
    return refused("The token's nbf claim is missing or invalid.");
  }
  if (!isUserId(sub)) {
    return refused(
      "The token's sub must be a user id: 1–64 of A–Z a–z 0–9 . _ ~ -.",
    );
  }
  return { ok: true, userId: sub, expiresAt: exp * 1000 };
}

/** Mints a token for `userId` valid for `ttlSeconds`, as an embedding app would. */
export function mintToken(
  secret: string,
  userId: string,
  ttlSeconds: number,
): Promise<string> {
  return new SignJWT()
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(encoder.encode(secret));
}
