/**
 * Where instances share users and calls (`NEXUS_ENGINE`, `NEXUS_REDIS_URL`):
 * read by the server's settings and checked against by accounts mode's.
 * @module
 */
import { ConfigError, type Env, text } from "./setting_readers.ts";

/** The engine: in-process (one instance), Redis, or Deno Deploy's BroadcastChannel and KV. */
export type EngineConfig =
  | { kind: "memory" }
  | { kind: "redis"; url: string }
  | { kind: "deploy" };

/** The engines `NEXUS_ENGINE` names. */
export const ENGINE_KINDS = ["memory", "redis", "deploy"] as const;

/**
 * The engine: as `NEXUS_ENGINE` says, or else Redis when `NEXUS_REDIS_URL` is
 * set, Deno Deploy's when running there, in-process otherwise.
 */
export function engine(env: Env): EngineConfig {
  const url = text(env, "NEXUS_REDIS_URL");
  const named = text(env, "NEXUS_ENGINE") ??
    (url ? "redis" : env.DENO_DEPLOYMENT_ID ? "deploy" : "memory");
  if (!(ENGINE_KINDS as readonly string[]).includes(named)) {
    throw new ConfigError(
      `NEXUS_ENGINE must be one of ${ENGINE_KINDS.join(", ")}, not "${named}".`,
    );
  }
  if (named !== "redis") {
    if (url) {
      throw new ConfigError(
        `NEXUS_REDIS_URL is set but NEXUS_ENGINE is "${named}": unset one of them.`,
      );
    }
    return { kind: named as "memory" | "deploy" };
  }
  if (!url || !/^rediss?:\/\/[^/]/.test(url)) {
    throw new ConfigError(
      "NEXUS_REDIS_URL must be a URL like redis://127.0.0.1:6379 (or rediss:// for TLS).",
    );
  }
  return { kind: "redis", url };
}
