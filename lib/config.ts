/**
 * The server's settings, read from the environment once at start and
 * validated: a bad value stops the server with a sentence naming it.
 * @module
 */
import * as v from "valibot";

/** Every setting the server reads. */
export interface ServerConfig {
  /** `PORT`: the HTTP port. */
  port: number;
  /** `NEXUS_ICE_SERVERS`: RTCIceServer list handed to clients. */
  iceServers: RTCIceServer[];
  /** `NEXUS_RING_TIMEOUT_MS`: how long an unanswered call rings. */
  ringTimeoutMs: number;
}

/** A setting with a bad value; the message names the variable. */
export class ConfigError extends Error {}

const IceServers = v.array(
  v.object({
    urls: v.union([v.string(), v.array(v.string())]),
    username: v.optional(v.string()),
    credential: v.optional(v.string()),
  }),
);

function integer(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name} must be a whole number from ${min} to ${max}, not "${text}".`,
    );
  }
  return value;
}

/** Reads the settings from an environment such as `Deno.env.toObject()`. */
export function loadConfig(
  env: Record<string, string | undefined>,
): ServerConfig {
  let iceServers: RTCIceServer[] = [];
  const iceText = env.NEXUS_ICE_SERVERS;
  if (iceText) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(iceText);
    } catch {
      throw new ConfigError(
        "NEXUS_ICE_SERVERS must be JSON: an array of RTCIceServer objects.",
      );
    }
    const result = v.safeParse(IceServers, parsed);
    if (!result.success) {
      throw new ConfigError(
        'NEXUS_ICE_SERVERS must be an array like [{"urls":"stun:stun.example.org:3478"}].',
      );
    }
    iceServers = result.output;
  }
  return {
    port: integer(env, "PORT", 8000, 0, 65535),
    iceServers,
    ringTimeoutMs: integer(
      env,
      "NEXUS_RING_TIMEOUT_MS",
      60_000,
      100,
      3_600_000,
    ),
  };
}

let loaded: ServerConfig | undefined;

/** The settings of this process, read from its environment on first use. */
export function serverConfig(): ServerConfig {
  return loaded ??= loadConfig(Deno.env.toObject());
}
