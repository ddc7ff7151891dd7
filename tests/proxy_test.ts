/**
 * Behind the documented nginx, each client is counted as itself: with
 * `NEXUS_TRUSTED_PROXIES` naming nginx, the accounts' per-address limits and
 * `/ws`'s per-address cap key on the client's address from nginx's
 * `X-Forwarded-For`, so one client that spends its own allowance leaves
 * everyone else's whole, and a forged `X-Forwarded-For` buys it nothing.
 * The clients are 127.0.0.2 and 127.0.0.3, nginx reaches the app from
 * 127.0.0.1.
 */
import assert from "node:assert/strict";
import { PER_ADDRESS } from "../lib/accounts/http.ts";
import { DEFAULT_MAX_CONNECTIONS_PER_IP } from "../lib/config/config.ts";
import { startAppProcess, untilReady } from "./support/app_process.ts";
import { needsService, NGINX } from "./support/environment.ts";
import {
  type RawAnswer,
  requestFrom,
  upgradeFrom,
} from "./support/from_address.ts";
import { startNginx } from "./support/nginx.ts";
import { freePort } from "./support/process.ts";

const ATTACKER = "127.0.0.2";
const VICTIM = "127.0.0.3";

Deno.test({
  name:
    "behind nginx: one client's limits are its own, on /auth and on /ws, and a forged X-Forwarded-For changes nothing",
  ignore: needsService(NGINX),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir();
    /** nginx in front of an app that trusts it, started with `env`. */
    const proxied = async (env: Record<string, string>) => {
      const port = freePort();
      const proxy = await startNginx(`127.0.0.1:${port}`);
      const app = await startAppProcess({
        ...env,
        PORT: String(port),
        NEXUS_ALLOWED_ORIGINS: proxy.http,
        NEXUS_TRUSTED_PROXIES: "127.0.0.1",
      });
      return { proxy, app };
    };
    const { proxy: accountsProxy, app: accounts } = await proxied({
      NEXUS_ACCOUNTS: "on",
      NEXUS_ACCOUNTS_KV: `${dir}/a.db`,
    });
    const { proxy: openProxy, app: open } = await proxied({});
    await untilReady([accounts, open]);
    const sockets: RawAnswer["socket"][] = [];
    try {
      await t.step(
        "/auth: a client that spends its sign-in allowance, forging X-Forwarded-For, leaves others theirs",
        async () => {
          const signInOptions = (from: string, forged?: string) =>
            requestFrom(from, `${accountsProxy.http}/auth/sign-in/options`, {
              method: "POST",
              headers: {
                origin: accountsProxy.http,
                "content-type": "application/json",
                ...(forged && { "x-forwarded-for": forged }),
              },
              body: "{}",
            });
          const statuses = [];
          for (let i = 0; i <= PER_ADDRESS.capacity + 4; i++) {
            statuses.push(
              (await signInOptions(ATTACKER, `198.51.100.${i}, 10.0.0.${i}`))
                .status,
            );
          }
          assert.deepEqual(
            statuses.slice(0, PER_ADDRESS.capacity),
            Array(PER_ADDRESS.capacity).fill(200),
          );
          assert.ok(
            statuses.slice(PER_ADDRESS.capacity).every((s) => s === 429),
          );
          const victim = await signInOptions(VICTIM);
          assert.equal(victim.status, 200, victim.body);
          const registration = await requestFrom(
            VICTIM,
            `${accountsProxy.http}/auth/register/options`,
            {
              method: "POST",
              headers: {
                origin: accountsProxy.http,
                "content-type": "application/json",
              },
              body: JSON.stringify({ invite: "not-an-invite", userId: "vic" }),
            },
          );
          assert.equal(
            registration.status,
            400,
            "refused for its invite, not 429",
          );
        },
      );

      await t.step(
        "/ws: a client at its socket cap leaves others theirs",
        async () => {
          const ws = `${openProxy.http.replace("http", "ws")}/ws`;
          for (let i = 0; i < DEFAULT_MAX_CONNECTIONS_PER_IP; i++) {
            const opened = await upgradeFrom(ATTACKER, `${ws}?userId=a${i}`, {
              origin: openProxy.http,
              "x-forwarded-for": `203.0.113.${i}`,
            });
            assert.equal(opened.status, 101);
            sockets.push(opened.socket);
          }
          const over = await upgradeFrom(ATTACKER, `${ws}?userId=a-more`, {
            origin: openProxy.http,
          });
          assert.equal(over.status, 429);
          over.socket.destroy();
          const victim = await upgradeFrom(VICTIM, `${ws}?userId=victim`, {
            origin: openProxy.http,
          });
          assert.equal(victim.status, 101);
          sockets.push(victim.socket);
        },
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await accountsProxy.stop();
      await openProxy.stop();
      await accounts.stop();
      await open.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
