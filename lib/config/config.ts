/**
 * The server's settings, read from the environment once at start and
 * validated: a bad value stops the server with a sentence naming it.
 * @module
 */
import * as v from "valibot";
import { LOG_LEVELS, type LogLevel } from "../log.ts";
import { type AccountsConfig, accountsConfig } from "./accounts_config.ts";
import { engine, type EngineConfig } from "./engine_config.ts";
import {
  parseTrustedProxies,
  type TrustedProxies,
} from "../http/client_address.ts";
import {
  ConfigError,
  type Env,
  integer,
  list,
  onOff,
  text,
} from "./setting_readers.ts";

export { ConfigError };

/**
 * Signaling connections from one address unless `NEXUS_MAX_CONNECTIONS_PER_IP`
 * says otherwise. Deno reads a frame of up to 64 MiB whole before the server
 * can refuse it, and a client that stops sending mid-frame keeps what was
 * read: about 64–80 MiB a socket. 24 sockets bound what one address can make
 * the server hold to under 2 GiB (SECURITY.md, "Memory one address can pin").
 */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 24;

/** Every setting the server reads. */
export interface ServerConfig {
  /** `PORT`: the HTTP port. */
  port: number;
  /** `NEXUS_ICE_SERVERS`: RTCIceServer list handed to clients. */
  iceServers: RTCIceServer[];
  /** `NEXUS_ICE_TRANSPORT_POLICY`: `relay` hides every client's own addresses. */
  iceTransportPolicy: RTCIceTransportPolicy;
  /** `NEXUS_RING_TIMEOUT_MS`: how long an unanswered call rings. */
  ringTimeoutMs: number;
  /** `NEXUS_RESUME_GRACE_MS`: how long a call waits for a party whose connection dropped. */
  resumeGraceMs: number;
  /** `NEXUS_IDLE_TIMEOUT_S`: a socket that answers no ping for this long is closed as dead. */
  idleTimeoutS: number;
  /** `NEXUS_JWT_SECRET`: when set, `/ws` requires an HS256 JWT. */
  jwtSecret: string | null;
  /** `NEXUS_ALLOWED_ORIGINS`: origins allowed to open `/ws`; empty means the server's own. */
  allowedOrigins: string[];
  /**
   * Whether a page's host name is taken as the server's own with no origins
   * configured: when it serves TLS itself or runs on Deno Deploy
   * (`DENO_DEPLOYMENT_ID`), where DNS rebinding cannot reach it.
   */
  trustHostNames: boolean;
  /** `NEXUS_TURN_URLS` and `NEXUS_TURN_SECRET`: coturn with `use-auth-secret`. */
  turn: { urls: string[]; secret: string } | null;
  /** `NEXUS_TLS_CERT` and `NEXUS_TLS_KEY`: PEM files to serve HTTPS and WSS directly. */
  tls: { certFile: string; keyFile: string } | null;
  /** `NEXUS_MAX_CONNECTIONS`: signaling connections in all. */
  maxConnections: number;
  /** `NEXUS_MAX_CONNECTIONS_PER_IP`: signaling connections from one address. */
  maxConnectionsPerIp: number;
  /**
   * `NEXUS_TRUSTED_PROXIES`: reverse proxies (addresses or CIDRs) whose
   * `X-Forwarded-For` names the client; none by default.
   */
  trustedProxies: TrustedProxies;
  /** `NEXUS_PRESENCE`: `off` keeps the directory of who is online to the server. */
  presence: boolean;
  /** `NEXUS_MESSAGES_PER_SECOND` and `NEXUS_MESSAGE_BURST`: each connection's message limit. */
  messagesPerSecond: number;
  messageBurst: number;
  /** `NEXUS_LOG_LEVEL`: the least severe log lines written. */
  logLevel: LogLevel;
  /** `NEXUS_METRICS_TOKEN`: when set, `/metrics` wants `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** `NEXUS_ENGINE` and `NEXUS_REDIS_URL`: where instances share users and calls. */
  engine: EngineConfig;
  /** `NEXUS_DEVICE_TTL_MS`: how soon a dead instance's users expire, with a shared engine. */
  deviceTtlMs: number;
  /** `NEXUS_ACCOUNTS=on`: people sign in with passkeys to accounts made from invites. */
  accounts: AccountsConfig | null;
}

const IceServers = v.array(
  v.object({
    urls: v.union([v.string(), v.array(v.string())]),
    username: v.optional(v.string()),
    credential: v.optional(v.string()),
  }),
);

/** The shortest `NEXUS_JWT_SECRET` accepted: HS256 wants at least 256 bits. */
export const MIN_SECRET_BYTES = 32;

function secret(env: Env, name: string): string | null {
  const value = text(env, name);
  if (
    value !== null && new TextEncoder().encode(value).length < MIN_SECRET_BYTES
  ) {
    throw new ConfigError(
      `${name} must be at least ${MIN_SECRET_BYTES} bytes long.`,
    );
  }
  return value;
}

function iceServers(env: Env): RTCIceServer[] {
  const value = text(env, "NEXUS_ICE_SERVERS");
  if (value === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
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
  return result.output;
}

function origins(env: Env): string[] {
  return list(env, "NEXUS_ALLOWED_ORIGINS").map((origin) => {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError(
        `NEXUS_ALLOWED_ORIGINS: "${origin}" is not an origin like https://call.example.org.`,
      );
    }
    if (parsed.origin !== origin.replace(/\/$/, "")) {
      throw new ConfigError(
        `NEXUS_ALLOWED_ORIGINS: "${origin}" must be an origin only: scheme, host and port.`,
      );
    }
    return parsed.origin;
  });
}

function trustedProxies(env: Env): TrustedProxies {
  try {
    return parseTrustedProxies(text(env, "NEXUS_TRUSTED_PROXIES") ?? "");
  } catch (error) {
    throw new ConfigError(`NEXUS_TRUSTED_PROXIES: ${(error as Error).message}`);
  }
}

function turn(env: Env, signsIn: boolean): ServerConfig["turn"] {
  const urls = list(env, "NEXUS_TURN_URLS");
  const turnSecret = secret(env, "NEXUS_TURN_SECRET");
  if (urls.length === 0 && turnSecret === null) return null;
  if (urls.length === 0 || turnSecret === null) {
    throw new ConfigError(
      "NEXUS_TURN_URLS and NEXUS_TURN_SECRET go together: set both or neither.",
    );
  }
  for (const url of urls) {
    if (!/^turns?:/.test(url)) {
      throw new ConfigError(
        `NEXUS_TURN_URLS: "${url}" is not a turn: or turns: URL.`,
      );
    }
  }
  if (!signsIn) {
    throw new ConfigError(
      "NEXUS_TURN_SECRET needs NEXUS_JWT_SECRET or NEXUS_ACCOUNTS=on: relay credentials are handed only to signed-in users.",
    );
  }
  return { urls, secret: turnSecret };
}

function tls(env: Env): ServerConfig["tls"] {
  const certFile = text(env, "NEXUS_TLS_CERT");
  const keyFile = text(env, "NEXUS_TLS_KEY");
  if (certFile === null && keyFile === null) return null;
  if (certFile === null || keyFile === null) {
    throw new ConfigError(
      "NEXUS_TLS_CERT and NEXUS_TLS_KEY go together: set both or neither.",
    );
  }
  return { certFile, keyFile };
}

function logLevel(env: Env): LogLevel {
  const value = text(env, "NEXUS_LOG_LEVEL") ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError(
      `NEXUS_LOG_LEVEL must be one of ${
        LOG_LEVELS.join(", ")
      }, not "${value}".`,
    );
  }
  return value as LogLevel;
}

function transportPolicy(env: Env): RTCIceTransportPolicy {
  const value = text(env, "NEXUS_ICE_TRANSPORT_POLICY") ?? "all";
  if (value !== "all" && value !== "relay") {
    throw new ConfigError(
      `NEXUS_ICE_TRANSPORT_POLICY must be "all" or "relay", not "${value}".`,
    );
  }
  return value;
}

/** Reads the settings from an environment such as `Deno.env.toObject()`. */
export function loadConfig(env: Env): ServerConfig {
  const jwtSecret = secret(env, "NEXUS_JWT_SECRET");
  const tlsFiles = tls(env);
  const shared = engine(env);
  const accountsMode = accountsConfig(env, jwtSecret, shared);
  return {
    port: integer(env, "PORT", 8000, 0, 65535),
    iceServers: iceServers(env),
    iceTransportPolicy: transportPolicy(env),
    ringTimeoutMs: integer(
      env,
      "NEXUS_RING_TIMEOUT_MS",
      60_000,
      100,
      3_600_000,
    ),
    jwtSecret,
    allowedOrigins: origins(env),
    turn: turn(env, jwtSecret !== null || accountsMode !== null),
    tls: tlsFiles,
    trustHostNames: tlsFiles !== null ||
      Boolean(text(env, "DENO_DEPLOYMENT_ID")),
    maxConnections: integer(env, "NEXUS_MAX_CONNECTIONS", 10_000, 1, 1_000_000),
    maxConnectionsPerIp: integer(
      env,
      "NEXUS_MAX_CONNECTIONS_PER_IP",
      DEFAULT_MAX_CONNECTIONS_PER_IP,
      1,
      1_000_000,
    ),
    trustedProxies: trustedProxies(env),
    resumeGraceMs: integer(env, "NEXUS_RESUME_GRACE_MS", 12_000, 100, 600_000),
    idleTimeoutS: integer(env, "NEXUS_IDLE_TIMEOUT_S", 30, 1, 3_600),
    presence: onOff(env, "NEXUS_PRESENCE", true),
    messagesPerSecond: integer(
      env,
      "NEXUS_MESSAGES_PER_SECOND",
      30,
      1,
      1_000_000,
    ),
    messageBurst: integer(env, "NEXUS_MESSAGE_BURST", 60, 1, 1_000_000),
    logLevel: logLevel(env),
    metricsToken: text(env, "NEXUS_METRICS_TOKEN"),
    engine: shared,
    deviceTtlMs: integer(env, "NEXUS_DEVICE_TTL_MS", 15_000, 1_000, 600_000),
    accounts: accountsMode,
  };
}

let loaded: ServerConfig | undefined;

/** The settings of this process, read from its environment on first use. */
export function serverConfig(): ServerConfig {
  return loaded ??= loadConfig(Deno.env.toObject());
}
