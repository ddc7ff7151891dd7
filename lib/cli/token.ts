/**
 * `deno task token alice [seconds]`: mints a sign-in token for `alice` with
 * `NEXUS_JWT_SECRET`, for testing token mode, and prints the sign-in link.
 * @module
 */
import { mintToken } from "../signaling/auth.ts";
import { isUserId } from "../wire/protocol.ts";
import { ConfigError, loadConfig } from "../config/config.ts";

const [userId, ttlText = "3600"] = Deno.args;
const ttl = Number(ttlText);
if (!isUserId(userId) || !Number.isInteger(ttl) || ttl <= 0) {
  console.error(
    "Usage: deno task token USER_ID [SECONDS]  (USER_ID: 1–64 of A–Z a–z 0–9 . _ ~ -)",
  );
  Deno.exit(2);
}
let secret: string | null;
try {
  secret = loadConfig({ NEXUS_JWT_SECRET: Deno.env.get("NEXUS_JWT_SECRET") })
    .jwtSecret;
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  Deno.exit(2);
}
if (!secret) {
  console.error(
    "Set NEXUS_JWT_SECRET (at least 32 bytes) to the server's secret first.",
  );
  Deno.exit(2);
}
const token = await mintToken(secret, userId, ttl);
console.log(token);
console.error(
  `Sign-in link: http://localhost:${
    Deno.env.get("PORT") ?? 8000
  }/?token=${token}`,
);
