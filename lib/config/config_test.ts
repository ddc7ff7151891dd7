import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

const SECRET = "0123456789abcdef0123456789abcdef";

Deno.test("config: defaults", () => {
  assert.deepEqual(loadConfig({}), {
    port: 8000,
    iceServers: [],
    iceTransportPolicy: "all",
    ringTimeoutMs: 60_000,
    jwtSecret: null,
    allowedOrigins: [],
    trustHostNames: false,
    turn: null,
    tls: null,
    maxConnections: 10_000,
    maxConnectionsPerIp: 24,
    trustedProxies: [],
    logLevel: "info",
    metricsToken: null,
    resumeGraceMs: 12_000,
    idleTimeoutS: 30,
    presence: true,
    messagesPerSecond: 30,
    messageBurst: 60,
    engine: { kind: "memory" },
    deviceTtlMs: 15_000,
    accounts: null,
  });
});

Deno.test("config: the engine: Redis when a URL is set, Deno Deploy's there, or as named", () => {
  const url = "redis://127.0.0.1:6379";
  assert.deepEqual(loadConfig({ NEXUS_REDIS_URL: url }).engine, {
    kind: "redis",
    url,
  });
  assert.deepEqual(loadConfig({ DENO_DEPLOYMENT_ID: "abc123" }).engine, {
    kind: "deploy",
  });
  assert.deepEqual(
    loadConfig({ NEXUS_ENGINE: "memory", DENO_DEPLOYMENT_ID: "abc123" }).engine,
    { kind: "memory" },
  );
  assert.equal(loadConfig({ NEXUS_DEVICE_TTL_MS: "3000" }).deviceTtlMs, 3000);
});

Deno.test("config: values are read", () => {
  const config = loadConfig({
    PORT: "9000",
    NEXUS_ICE_SERVERS:
      '[{"urls":["stun:127.0.0.1:3478"]},{"urls":"turn:127.0.0.1","username":"u","credential":"c"}]',
    NEXUS_RING_TIMEOUT_MS: "1500",
    NEXUS_JWT_SECRET: SECRET,
    NEXUS_ALLOWED_ORIGINS: "https://call.example.org, http://localhost:8000",
    NEXUS_TURN_URLS:
      "turn:127.0.0.1:3478?transport=udp,turns:relay.example.org:5349",
    NEXUS_TURN_SECRET: SECRET,
  });
  assert.deepEqual(config.allowedOrigins, [
    "https://call.example.org",
    "http://localhost:8000",
  ]);
  assert.deepEqual(config.turn, {
    urls: ["turn:127.0.0.1:3478?transport=udp", "turns:relay.example.org:5349"],
    secret: SECRET,
  });
  assert.equal(config.port, 9000);
  assert.equal(config.ringTimeoutMs, 1500);
  assert.deepEqual(config.iceServers[1], {
    urls: "turn:127.0.0.1",
    username: "u",
    credential: "c",
  });
});

Deno.test("config: accounts mode: a KV file by default, Deploy's KV there, the engine's Redis when scaled out", () => {
  assert.deepEqual(loadConfig({ NEXUS_ACCOUNTS: "on" }).accounts, {
    store: { kind: "kv", path: "nexus-accounts.db" },
    sessionDays: 30,
    historyDays: 90,
    invitesBy: "operator",
    singleSignOn: null,
    push: {
      vapidKeys: null,
      subject: null,
      maxBrowsers: 10,
      allowedHosts: new Set(),
    },
    callLinks: { maxLinks: 20 },
  });
  assert.equal(
    loadConfig({ NEXUS_ACCOUNTS: "on", NEXUS_PUSH: "off" }).accounts?.push,
    null,
  );
  assert.equal(
    loadConfig({ NEXUS_ACCOUNTS: "on", NEXUS_CALL_LINKS: "off" }).accounts
      ?.callLinks,
    null,
  );
  assert.deepEqual(
    loadConfig({ NEXUS_ACCOUNTS: "on", NEXUS_CALL_LINKS_MAX: "5" }).accounts
      ?.callLinks,
    { maxLinks: 5 },
  );
  const keys = {
    publicKey: `B${"A".repeat(86)}`,
    privateKey: "A".repeat(43),
  };
  assert.deepEqual(
    loadConfig({
      NEXUS_ACCOUNTS: "on",
      NEXUS_PUSH_VAPID_PUBLIC_KEY: keys.publicKey,
      NEXUS_PUSH_VAPID_PRIVATE_KEY: keys.privateKey,
      NEXUS_PUSH_SUBJECT: "mailto:ops@example.org",
      NEXUS_PUSH_MAX_BROWSERS: "3",
      NEXUS_PUSH_ALLOWED_HOSTS: "Push.LAN:8443, 10.0.0.5:443",
    }).accounts?.push,
    {
      vapidKeys: keys,
      subject: "mailto:ops@example.org",
      maxBrowsers: 3,
      allowedHosts: new Set(["push.lan:8443", "10.0.0.5:443"]),
    },
  );
  assert.deepEqual(
    loadConfig({ NEXUS_ACCOUNTS: "on", DENO_DEPLOYMENT_ID: "x" }).accounts
      ?.store,
    { kind: "kv", path: null },
  );
  assert.deepEqual(
    loadConfig({
      NEXUS_ACCOUNTS: "on",
      NEXUS_REDIS_URL: "redis://127.0.0.1:6379",
      NEXUS_ACCOUNTS_INVITES: "everyone",
      NEXUS_SESSION_DAYS: "7",
      NEXUS_HISTORY_DAYS: "30",
    }).accounts,
    {
      store: { kind: "redis", url: "redis://127.0.0.1:6379" },
      sessionDays: 7,
      historyDays: 30,
      invitesBy: "everyone",
      singleSignOn: null,
      push: {
        vapidKeys: null,
        subject: null,
        maxBrowsers: 10,
        allowedHosts: new Set(),
      },
      callLinks: { maxLinks: 20 },
    },
  );
  // A relay's credentials go to signed-in users: accounts sign people in.
  assert.ok(
    loadConfig({
      NEXUS_ACCOUNTS: "on",
      NEXUS_TURN_URLS: "turn:x",
      NEXUS_TURN_SECRET: SECRET,
    }).turn,
  );
});

Deno.test("config: a bad value is refused with a sentence naming the variable", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { PORT: "eighty" },
      /^PORT must be a whole number from 0 to 65535, not "eighty"\.$/,
    ],
    [{ PORT: "70000" }, /^PORT must be/],
    [
      { NEXUS_ACCOUNTS: "on", NEXUS_PUSH_VAPID_PUBLIC_KEY: "B".repeat(87) },
      /^NEXUS_PUSH_VAPID_PUBLIC_KEY and NEXUS_PUSH_VAPID_PRIVATE_KEY go together/,
    ],
    [
      {
        NEXUS_ACCOUNTS: "on",
        NEXUS_PUSH_VAPID_PUBLIC_KEY: "short",
        NEXUS_PUSH_VAPID_PRIVATE_KEY: "short",
      },
      /^NEXUS_PUSH_VAPID_PUBLIC_KEY must be a P-256 public key/,
    ],
    [
      { NEXUS_ACCOUNTS: "on", NEXUS_PUSH_SUBJECT: "http://example.org" },
      /^NEXUS_PUSH_SUBJECT must be a mailto: address or an https: URL/,
    ],
    [
      { NEXUS_ACCOUNTS: "on", NEXUS_PUSH_MAX_BROWSERS: "0" },
      /^NEXUS_PUSH_MAX_BROWSERS must be a whole number from 1 to 100/,
    ],
    [
      { NEXUS_RING_TIMEOUT_MS: "-5" },
      /^NEXUS_RING_TIMEOUT_MS must be a whole number/,
    ],
    [{ NEXUS_ICE_SERVERS: "[{" }, /^NEXUS_ICE_SERVERS must be JSON/],
    [
      { NEXUS_ICE_SERVERS: '{"urls":"stun:x"}' },
      /^NEXUS_ICE_SERVERS must be an array/,
    ],
    [
      { NEXUS_ICE_SERVERS: '[{"url":"stun:x"}]' },
      /^NEXUS_ICE_SERVERS must be an array/,
    ],
    [
      { NEXUS_JWT_SECRET: "short" },
      /^NEXUS_JWT_SECRET must be at least 32 bytes long\.$/,
    ],
    [
      { NEXUS_TRUSTED_PROXIES: "10.0.0.1, nginx.local" },
      /^NEXUS_TRUSTED_PROXIES: "nginx\.local" is neither an address nor a CIDR/,
    ],
    [
      { NEXUS_ALLOWED_ORIGINS: "call.example.org" },
      /^NEXUS_ALLOWED_ORIGINS: "call\.example\.org" is not an origin/,
    ],
    [
      { NEXUS_ALLOWED_ORIGINS: "https://a.example/path" },
      /must be an origin only/,
    ],
    [
      { NEXUS_TURN_URLS: "turn:127.0.0.1:3478" },
      /^NEXUS_TURN_URLS and NEXUS_TURN_SECRET go together/,
    ],
    [
      {
        NEXUS_TURN_URLS: "stun:x",
        NEXUS_TURN_SECRET: SECRET,
        NEXUS_JWT_SECRET: SECRET,
      },
      /is not a turn: or turns: URL/,
    ],
    [
      { NEXUS_TURN_URLS: "turn:x", NEXUS_TURN_SECRET: SECRET },
      /^NEXUS_TURN_SECRET needs NEXUS_JWT_SECRET/,
    ],
    [
      { NEXUS_ACCOUNTS: "on", NEXUS_JWT_SECRET: SECRET },
      /^NEXUS_ACCOUNTS=on and NEXUS_JWT_SECRET are two ways to sign in/,
    ],
    [
      { NEXUS_ACCOUNTS: "yes" },
      /^NEXUS_ACCOUNTS must be "on" or "off"/,
    ],
    [
      { NEXUS_ACCOUNTS: "on", NEXUS_ACCOUNTS_INVITES: "anyone" },
      /^NEXUS_ACCOUNTS_INVITES must be "operator" or "everyone"/,
    ],
    [
      { NEXUS_ACCOUNTS: "on", NEXUS_SESSION_DAYS: "0" },
      /^NEXUS_SESSION_DAYS must be a whole number from 1 to 365/,
    ],
    [
      { NEXUS_ACCOUNTS: "on", NEXUS_OIDC_ISSUER: "https://id.example.org" },
      /^NEXUS_OIDC_ISSUER, NEXUS_OIDC_CLIENT_ID and NEXUS_OIDC_CLIENT_SECRET go together/,
    ],
    [
      {
        NEXUS_ACCOUNTS: "on",
        NEXUS_OIDC_ISSUER: "https://id.example.org",
        NEXUS_OIDC_CLIENT_ID: "nexus",
        NEXUS_OIDC_CLIENT_SECRET: "secret",
      },
      /^Single sign-on needs NEXUS_PUBLIC_URL/,
    ],
    [
      { NEXUS_ACCOUNTS: "on", NEXUS_OIDC_ISSUER: "id.example.org" },
      /^NEXUS_OIDC_ISSUER must be a URL like/,
    ],
    [
      {
        NEXUS_OIDC_ISSUER: "https://id.example.org",
        NEXUS_OIDC_CLIENT_ID: "nexus",
        NEXUS_OIDC_CLIENT_SECRET: "secret",
        NEXUS_PUBLIC_URL: "https://call.example.org",
      },
      /^NEXUS_OIDC_ISSUER needs NEXUS_ACCOUNTS=on/,
    ],
    [
      { NEXUS_TLS_CERT: "cert.pem" },
      /^NEXUS_TLS_CERT and NEXUS_TLS_KEY go together/,
    ],
    [
      { NEXUS_ICE_TRANSPORT_POLICY: "none" },
      /^NEXUS_ICE_TRANSPORT_POLICY must be "all" or "relay"/,
    ],
    [
      { NEXUS_MAX_CONNECTIONS: "0" },
      /^NEXUS_MAX_CONNECTIONS must be a whole number from 1/,
    ],
    [
      { NEXUS_PRESENCE: "maybe" },
      /^NEXUS_PRESENCE must be "on" or "off", not "maybe"\.$/,
    ],
    [
      { NEXUS_LOG_LEVEL: "loud" },
      /^NEXUS_LOG_LEVEL must be one of debug, info, warn, error, not "loud"\.$/,
    ],
    [
      { NEXUS_ENGINE: "etcd" },
      /^NEXUS_ENGINE must be one of memory, redis, deploy, not "etcd"\.$/,
    ],
    [{ NEXUS_ENGINE: "redis" }, /^NEXUS_REDIS_URL must be a URL like redis:/],
    [{ NEXUS_REDIS_URL: "127.0.0.1:6379" }, /^NEXUS_REDIS_URL must be a URL/],
    [
      { NEXUS_REDIS_URL: "redis://x", NEXUS_ENGINE: "memory" },
      /^NEXUS_REDIS_URL is set but NEXUS_ENGINE is "memory"/,
    ],
    [
      { NEXUS_DEVICE_TTL_MS: "10" },
      /^NEXUS_DEVICE_TTL_MS must be a whole number from 1000/,
    ],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig(env),
      (e: Error) => e instanceof ConfigError && message.test(e.message),
      JSON.stringify(env),
    );
  }
});
