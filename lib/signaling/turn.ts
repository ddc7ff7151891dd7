/**
 * Time-limited TURN credentials in coturn's REST scheme (`use-auth-secret`):
 * username `expiry:userId`, password base64(HMAC-SHA1(secret, username)).
 * Made synchronously, with `node:crypto`: they are part of a `/ws`
 * handshake, which must not yield to the event loop (see `auth.ts`).
 * @module
 */
import { createHmac } from "node:crypto";

/** How long relay credentials stay valid, in seconds. */
export const TURN_TTL_S = 3_600;

/** One RTCIceServer entry with fresh credentials for `userId`. */
export function turnCredentials(
  urls: string[],
  secret: string,
  userId: string,
  nowMs: number,
  ttlSeconds = TURN_TTL_S,
): RTCIceServer {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${userId}`;
  return {
    urls,
    username,
    credential: createHmac("sha1", secret).update(username).digest("base64"),
  };
}
