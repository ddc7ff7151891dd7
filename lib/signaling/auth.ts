/**
 * Token authentication for `/ws`: an HS256 JWT whose `sub` is the user id and
 * whose `exp` is required, verified with `jose`. Any other algorithm,
 * `alg: none` included, is refused.
 * @module
 */
import { errors, jwtVerify, SignJWT } from "jose";
import { isUserId } from "../protocol.ts";

/** Clock skew allowed between the token's issuer and this server, in seconds. */
export const CLOCK_TOLERANCE_S = 30;

/** The outcome of checking a token. */
export type TokenCheck =
  | { ok: true; userId: string; expiresAt: number }
  | { ok: false; reason: string };

const encoder = new TextEncoder();

function whyInvalid(error: unknown): string {
  if (error instanceof errors.JWTExpired) {
    return "The token has expired: get a new one.";
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return "The token must be signed with HS256.";
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return "The token's signature does not match this server's secret.";
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `The token's ${error.claim} claim is missing or invalid.`;
  }
  return "The token is not a valid JWT.";
}

/** Checks a token against the server's secret. */
export async function verifyToken(
  token: string | null,
  secret: string,
  now: Date = new Date(),
): Promise<TokenCheck> {
  if (!token) {
    return {
      ok: false,
      reason: "This server needs a sign-in token: connect to /ws?token=<JWT>.",
    };
  }
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ["HS256"],
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["exp", "sub"],
      currentDate: now,
    });
    if (!isUserId(payload.sub)) {
      return {
        ok: false,
        reason:
          "The token's sub must be a user id: 1–64 of A–Z a–z 0–9 . _ ~ -.",
      };
    }
    return { ok: true, userId: payload.sub, expiresAt: payload.exp! * 1000 };
  } catch (error) {
    return { ok: false, reason: whyInvalid(error) };
  }
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
