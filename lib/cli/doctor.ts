/**
 * `deno task doctor`: checks from the server's side that the STUN and TURN
 * servers the app hands out work, with the app's own settings
 * (`NEXUS_ICE_SERVERS`, `NEXUS_TURN_URLS`, `NEXUS_TURN_SECRET`): each STUN
 * server answers, and each TURN URL grants an allocation to credentials
 * minted here, over its own transport, TLS certificates included. One line a
 * check; the exit status is 1 when any check failed.
 * @module
 */
import {
  ConfigError,
  loadConfig,
  type ServerConfig,
} from "../config/config.ts";
import { parseIceUrl } from "./ice_url.ts";
import { type CheckResult, checkStun, checkTurn } from "./relay_check.ts";
import { turnCredentials } from "../signaling/turn.ts";

let config: ServerConfig;
try {
  config = loadConfig(Deno.env.toObject());
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  Deno.exit(2);
}

const checks: Promise<CheckResult>[] = [];
for (const server of config.iceServers) {
  for (const url of [server.urls].flat()) {
    const target = parseIceUrl(url);
    if (!target) {
      checks.push(Promise.resolve({
        ok: false,
        said: `${url}: not a stun:, turn: or turns: URL`,
      }));
    } else if (target.scheme === "stun") {
      checks.push(checkStun(target));
    } else {
      checks.push(checkTurn(
        target,
        String(server.username ?? ""),
        String(server.credential ?? ""),
      ));
    }
  }
}
if (config.turn) {
  const { username, credential } = turnCredentials(
    config.turn.urls,
    config.turn.secret,
    "nexus-doctor",
    Date.now(),
    600,
  );
  for (const url of config.turn.urls) {
    const target = parseIceUrl(url);
    checks.push(
      target
        ? checkTurn(target, username!, String(credential))
        : Promise.resolve({ ok: false, said: `${url}: not a turn: URL` }),
    );
  }
}
if (checks.length === 0) {
  console.log(
    "FAIL no STUN or TURN server is configured: calls between networks that block direct connections will fail. Set NEXUS_TURN_URLS and NEXUS_TURN_SECRET.",
  );
  Deno.exit(1);
}
let failed = 0;
for (const result of await Promise.all(checks)) {
  console.log(`${result.ok ? "ok  " : "FAIL"} ${result.said}`);
  if (result.warning) console.log(`warn ${result.warning}`);
  if (!result.ok) failed++;
}
Deno.exit(failed > 0 ? 1 : 0);
