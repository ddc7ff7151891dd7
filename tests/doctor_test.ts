/**
 * `deno task doctor` against a real coturn: every configured URL checked
 * with credentials minted from the app's settings; a wrong secret and a
 * missing relay fail with the sentence that says what to fix.
 */
import assert from "node:assert/strict";
import { COTURN, needsService } from "./support/environment.ts";
import { startCoturn } from "./support/coturn.ts";

const SECRET = "turn-secret-for-the-doctor-0123456789ab";
const JWT = "jwt-secret-for-the-doctor-0123456789abcd";

/** Runs the doctor with these settings: its exit code and its lines. */
async function doctor(env: Record<string, string>) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "doctor"],
    cwd: new URL("..", import.meta.url).pathname,
    env: { ...env, NO_COLOR: "1" },
    clearEnv: true,
  }).output();
  return {
    code: output.code,
    lines: new TextDecoder().decode(output.stdout).trim().split("\n"),
  };
}

Deno.test({
  name:
    "doctor: each STUN and TURN URL is checked from the server's side, one line each",
  ignore: needsService(COTURN),
  async fn(t) {
    const coturn = await startCoturn(SECRET);
    try {
      const settings = (secret: string) => ({
        NEXUS_JWT_SECRET: JWT,
        NEXUS_TURN_URLS:
          `turn:127.0.0.1:${coturn.port}?transport=udp,turn:127.0.0.1:${coturn.port}?transport=tcp`,
        NEXUS_TURN_SECRET: secret,
        NEXUS_ICE_SERVERS: JSON.stringify([{
          urls: `stun:127.0.0.1:${coturn.port}`,
        }]),
      });
      await t.step("a working relay: every check passes", async () => {
        const { code, lines } = await doctor(settings(SECRET));
        assert.equal(code, 0, lines.join("\n"));
        assert.equal(lines.length, 3);
        assert.match(
          lines[0],
          /^ok {3}stun:127\.0\.0\.1:\d+: answers; it sees this server at 127\.0\.0\.1:\d+$/,
        );
        for (const line of lines.slice(1)) {
          assert.match(
            line,
            /^ok {3}turn:.*: allocation granted \(relayed address 127\.0\.0\.1:\d+\)$/,
          );
        }
      });
      await t.step(
        "a secret coturn does not share: each TURN URL fails, naming the setting",
        async () => {
          const { code, lines } = await doctor(settings(`not-${SECRET}`));
          assert.equal(code, 1);
          assert.equal(
            lines.filter((line) =>
              line.startsWith("FAIL") && line.includes("NEXUS_TURN_SECRET")
            ).length,
            2,
            lines.join("\n"),
          );
        },
      );
    } finally {
      await coturn.stop();
    }
    await t.step(
      "nothing configured: it fails, saying what calls will lack",
      async () => {
        const { code, lines } = await doctor({});
        assert.equal(code, 1);
        assert.match(lines[0], /^FAIL no STUN or TURN server is configured/);
      },
    );
    await t.step(
      "a relay that does not answer fails within its time limit",
      async () => {
        const { code, lines } = await doctor({
          NEXUS_ICE_SERVERS: JSON.stringify([{ urls: "stun:127.0.0.1:9" }]),
        });
        assert.equal(code, 1);
        assert.match(lines[0], /^FAIL stun:127\.0\.0\.1:9: /);
      },
    );
  },
});
