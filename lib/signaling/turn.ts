/**
 * Time-limited TURN credentials in coturn's REST scheme (`use-auth-secret`):
 * username `expiry:userId`, password base64(HMAC-SHA1(secret, username)).
 */

/** How long relay credentials stay valid, in seconds. */
export const TURN_TTL_S = 3_600;

const encoder = new TextEncoder();

/** One RTCIceServer entry with fresh credentials for `userId`. */
export async function turnCredentials(
  urls: string[],
  secret: string,
  userId: string,
  nowMs: number,
  ttlSeconds = TURN_TTL_S,
): Promise<RTCIceServer> {
  const username = `${Math.floor(nowMs / 1000) + ttlSeconds}:${userId}`;
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const signature = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, encoder.encode(username)),
  );
  return {
    urls,
    username,
    credential: btoa(String.fromCharCode(...signature)),
  };
}
