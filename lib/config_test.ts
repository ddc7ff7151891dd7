import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

Deno.test("defaults", () => {
  assert.deepEqual(loadConfig({}), {
    port: 8000,
    iceServers: [],
    ringTimeoutMs: 60_000,
  });
});

Deno.test("values are read", () => {
  const config = loadConfig({
    PORT: "9000",
    NEXUS_ICE_SERVERS:
      '[{"urls":["stun:127.0.0.1:3478"]},{"urls":"turn:127.0.0.1","username":"u","credential":"c"}]',
    NEXUS_RING_TIMEOUT_MS: "1500",
  });
  assert.equal(config.port, 9000);
  assert.equal(config.ringTimeoutMs, 1500);
  assert.deepEqual(config.iceServers[1], {
    urls: "turn:127.0.0.1",
    username: "u",
    credential: "c",
  });
});

Deno.test("a bad value is refused with a sentence naming the variable", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { PORT: "eighty" },
      /^PORT must be a whole number from 0 to 65535, not "eighty"\.$/,
    ],
    [{ PORT: "70000" }, /^PORT must be/],
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
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig(env),
      (e: Error) => e instanceof ConfigError && message.test(e.message),
    );
  }
});
