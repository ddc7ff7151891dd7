/**
 * `deno task invite [USER_ID] [--hours N]`: makes a one-time invite in the
 * accounts store the server uses (the same settings: `NEXUS_ACCOUNTS_KV`,
 * or `NEXUS_REDIS_URL`), and prints its link. Run it beside the server, with
 * its environment; without a user id the invited person chooses one.
 * @module
 */
import { parseArgs } from "node:util";
import { Accounts, DEFAULT_INVITE_HOURS } from "../accounts/accounts.ts";
import { openAccountStore } from "../accounts/open_store.ts";
import { isUserId } from "../wire/protocol.ts";
import { ConfigError, loadConfig } from "../config/config.ts";

const USAGE =
  "Usage: deno task invite [USER_ID] [--hours N]  (with NEXUS_ACCOUNTS=on, as the server runs)";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { hours: { type: "string" } },
  allowPositionals: true,
});
const userId = positionals[0] ?? null;
const hours = Number(values.hours ?? DEFAULT_INVITE_HOURS);
if (
  positionals.length > 1 || (userId !== null && !isUserId(userId)) ||
  !(hours > 0 && hours <= 24 * 365)
) {
  console.error(USAGE);
  Deno.exit(2);
}
let config;
try {
  config = loadConfig(Deno.env.toObject());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  Deno.exit(2);
}
if (!config.accounts) {
  console.error(`This server does not run accounts. ${USAGE}`);
  Deno.exit(2);
}
const store = config.accounts.store;
const accounts = new Accounts({
  openStore: () => openAccountStore(store),
  sessionDays: config.accounts.sessionDays,
  invitesBy: config.accounts.invitesBy,
});
await accounts.start();
const code = await accounts.createInvite("operator", userId, hours);
accounts.stop();
const base = Deno.env.get("NEXUS_PUBLIC_URL") ??
  `http://localhost:${config.port || 8000}`;
console.log(`${base}/signin?invite=${code}`);
console.error(
  `One use, for ${hours} hours${
    userId ? `, for the id ${userId}` : ""
  }. Send it to the person privately.`,
);
