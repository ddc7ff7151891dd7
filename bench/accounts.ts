/**
 * Accounts mode, measured: what the session cookie's check (its MAC before
 * the upgrade, the store's confirmation after it) adds to a `/ws` handshake
 * against token mode (a JWT checked before the upgrade), interleaved in
 * rounds; and, in Chromium with a virtual authenticator, the time from
 * pressing **Sign in with a passkey** to a page signed in and ready to call.
 */
import { KvAccountStore } from "../lib/accounts/kv_store.ts";
import { secretHash } from "../lib/accounts/session_cookie.ts";
import { Sessions } from "../lib/accounts/sessions.ts";
import { mintToken } from "../lib/signaling/auth.ts";
import { launchChromium, waitForStatus } from "../tests/support/browser.ts";
import { startAppProcess, untilReady } from "../tests/support/app_process.ts";
import { addAuthenticator } from "../tests/support/passkeys.ts";
import { median } from "./support.ts";

/** What the accounts benchmark found. */
export interface AccountsBench {
  handshake: {
    handshakes: number;
    tokenMedianMs: number;
    cookieMedianMs: number;
    ratio: number;
  };
  signIn: { medianMs: number; samplesMs: number[] };
}

/** One handshake to `url` with `headers`: ms until `session:ready`, then closed. */
async function handshake(
  url: string,
  headers: Record<string, string>,
): Promise<number> {
  const started = performance.now();
  const socket = new WebSocket(url, { headers } as never);
  await new Promise((resolve, reject) => {
    socket.onmessage = resolve;
    socket.onerror = reject;
  });
  const took = performance.now() - started;
  const closed = new Promise((resolve) => socket.onclose = resolve);
  socket.close();
  await closed;
  return took;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Runs both measurements: `handshakes` of each kind, `signIns` sign-ins. */
export async function accountsBench(
  handshakes: number,
  signIns: number,
  log: (message: string) => void,
): Promise<AccountsBench> {
  const dir = await Deno.makeTempDir();
  const secret = "x".repeat(48);
  const accountsApp = await startAppProcess({
    NEXUS_ACCOUNTS: "on",
    NEXUS_ACCOUNTS_KV: `${dir}/a.db`,
  });
  const tokenApp = await startAppProcess({
    NEXUS_JWT_SECRET: secret,
  });
  const store = await KvAccountStore.open(`${dir}/a.db`);
  try {
    await untilReady([accountsApp, tokenApp]);
    // A user per handshake: one user may join 20 times at once, then once a second.
    const sessions = new Sessions(store, await store.cookieKey(), {
      sessionDays: 1,
      now: Date.now,
    });
    const cookies: string[] = [];
    const tokenUrls: string[] = [];
    const wsBase = (app: { http: string }) =>
      `${app.http.replace("http", "ws")}/ws`;
    for (let i = 0; i < handshakes; i++) {
      const userId = `user${i}`;
      const { cookie } = await sessions.open(userId, "bench");
      cookies.push(`nexus_session=${cookie}`);
      tokenUrls.push(
        `${wsBase(tokenApp)}?token=${await mintToken(secret, userId, 3600)}`,
      );
    }
    const cookieTimes: number[] = [];
    const tokenTimes: number[] = [];
    // Interleaved in rounds of ten, so that the machine's drift falls on both.
    for (let i = 0; i < handshakes; i += 10) {
      log(`accounts: handshakes ${i + 1}–${i + 10} of ${handshakes}, each way`);
      for (let j = i; j < Math.min(i + 10, handshakes); j++) {
        tokenTimes.push(await handshake(tokenUrls[j], {}));
        cookieTimes.push(
          await handshake(wsBase(accountsApp), { cookie: cookies[j] }),
        );
      }
    }
    const tokenMedianMs = round(median(tokenTimes));
    const cookieMedianMs = round(median(cookieTimes));

    await store.createInvite({
      v: 1,
      codeHash: secretHash("bench-invite"),
      userId: "bob",
      createdBy: "operator",
      createdAt: Date.now(),
      expiresAt: Date.now() + 3600_000,
    });
    const chromium = await launchChromium();
    const samples: number[] = [];
    try {
      const context = await chromium.newContext();
      const page = await context.newPage();
      await addAuthenticator(context, page);
      await page.goto(`${accountsApp.http}/signin?invite=bench-invite`);
      await page.getByRole("button", { name: "Create passkey" }).click();
      await waitForStatus(page, "Signed in as bob");
      for (let i = 0; i < signIns; i++) {
        log(`accounts: sign-in ${i + 1} of ${signIns}`);
        await context.clearCookies();
        await page.goto(`${accountsApp.http}/signin`);
        const button = page.getByRole("button", {
          name: "Sign in with a passkey",
        });
        await button.waitFor();
        await page.waitForFunction(() =>
          !document.querySelector("button")?.disabled
        );
        const started = performance.now();
        await button.click();
        await page.waitForURL((url) => url.pathname === "/");
        await waitForStatus(page, "Signed in as bob");
        samples.push(performance.now() - started);
      }
    } finally {
      await chromium.close();
    }
    return {
      handshake: {
        handshakes,
        tokenMedianMs,
        cookieMedianMs,
        ratio: round(cookieMedianMs / tokenMedianMs),
      },
      signIn: {
        medianMs: Math.round(median(samples)),
        samplesMs: samples.map(Math.round),
      },
    };
  } finally {
    store.close();
    await accountsApp.stop();
    await tokenApp.stop();
    await Deno.remove(dir, { recursive: true });
  }
}
