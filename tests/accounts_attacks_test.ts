/**
 * Accounts mode attacked from outside, over real HTTP and sockets against
 * the app in its own process on a real Deno KV file, with an authenticator
 * that forges what it likes: nothing anonymous spends a person's sign-in
 * allowance; a handle has one spelling; a passkey cannot be registered over
 * another; a body sent in chunks is not read past its cap; `Retry-After`
 * tells the truth; another process holding the KV file breaks no sign-in;
 * a block looks like "offline" on the wire; and presence survives a quick
 * reconnect around an unblock. Single sign-on's binding is tested in
 * `browser_sso_test.ts`, the trusted proxies behind nginx in
 * `proxy_test.ts`.
 */
import assert from "node:assert/strict";
import { KvAccountStore } from "../lib/accounts/kv_store.ts";
import { secretHash } from "../lib/accounts/session_cookie.ts";
import type { AccountStore } from "../lib/accounts/store.ts";
import { PER_ADDRESS } from "../lib/accounts/http.ts";
import { befriend, person, post } from "./support/accounts.ts";
import {
  type AppProcess,
  startAppProcess,
  untilReady,
} from "./support/app_process.ts";
import { needsPermissions } from "./support/environment.ts";
import {
  base64url,
  SoftwareAuthenticator,
  type SoftwarePasskey,
} from "./support/software_authenticator.ts";
import { believedOnline, TestClient, untilShown } from "./support/ws_client.ts";

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);

/** A POST to `/auth/<action>` from client address `from` (the app trusts the test as its proxy). */
function postFrom(
  app: AppProcess,
  from: string,
  action: string,
  body: unknown,
  cookie?: string,
): Promise<Response> {
  return post(app, action, body, {
    "x-forwarded-for": from,
    ...(cookie && { cookie }),
  });
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return await response.json();
}

/** Makes `userId`'s account from an invite with a passkey of `authenticator`, as a browser would. */
async function signUp(
  app: AppProcess,
  store: AccountStore,
  authenticator: SoftwareAuthenticator,
  userId: string,
  from: string,
): Promise<{ passkey: SoftwarePasskey; cookie: string }> {
  const code = crypto.randomUUID();
  await store.createInvite({
    v: 1,
    codeHash: secretHash(code),
    userId: null,
    createdBy: "operator",
    createdAt: Date.now(),
    expiresAt: Date.now() + 60_000,
  });
  const options = await postFrom(app, from, "register/options", {
    invite: code,
    userId,
  });
  assert.equal(options.status, 200);
  const passkey = await authenticator.newPasskey(userId);
  const made = await postFrom(app, from, "register", {
    invite: code,
    userId,
    response: await authenticator.register(await options.json(), passkey),
  });
  assert.equal(made.status, 200, await made.clone().text());
  await made.body?.cancel();
  const cookie = made.headers.get("set-cookie")!.split(";")[0];
  return { passkey, cookie };
}

/** Signs in with `passkey` from `from`; `handle` respells its user handle. */
async function signIn(
  app: AppProcess,
  authenticator: SoftwareAuthenticator,
  passkey: SoftwarePasskey,
  from: string,
  handle?: string,
): Promise<Response> {
  const options = await postFrom(app, from, "sign-in/options", {});
  assert.equal(options.status, 200);
  return await postFrom(app, from, "sign-in", {
    response: await authenticator.signIn(await options.json(), passkey, handle),
  });
}

/** The server process's resident memory, in MiB. */
async function residentMiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(status.match(/VmRSS:\s+(\d+)/)![1]) / 1024;
}

/**
 * Holds the write lock of the SQLite file at `path` from another process
 * for `ms`, in a transaction that changes the schema, as a migration does:
 * SQLite's wait for it gives up after 5 s with "database is locked".
 * Resolves once the lock is held, with the holder's end.
 */
async function holdWriteLock(path: string, ms: number) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { DatabaseSync } from "node:sqlite";
       const db = new DatabaseSync(${JSON.stringify(path)});
       db.exec("BEGIN IMMEDIATE");
       db.exec("CREATE TABLE IF NOT EXISTS held_by_a_test (x)");
       console.log("held");
       await new Promise((resolve) => setTimeout(resolve, ${ms}));
       db.exec("ROLLBACK");`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  assert.equal((await reader.read()).value?.trim(), "held");
  reader.releaseLock();
  return child.status;
}

Deno.test({
  name:
    "accounts under attack: allowances, handles, passkeys, bodies, Retry-After, a locked KV file, presence (Deno KV)",
  ignore: needsPermissions(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir();
    const env = {
      NEXUS_ACCOUNTS: "on",
      NEXUS_ACCOUNTS_KV: `${dir}/a.db`,
      // The test speaks for many clients: each step from addresses of its own.
      NEXUS_TRUSTED_PROXIES: "127.0.0.1, ::1",
    };
    const app = await startAppProcess(env);
    await untilReady([app]);
    const store = await KvAccountStore.open(`${dir}/a.db`);
    const authenticator = new SoftwareAuthenticator(app.http);
    const clients: TestClient[] = [];
    try {
      const alice = await signUp(
        app,
        store,
        authenticator,
        "alice",
        "10.0.0.1",
      );

      await t.step(
        "anonymous sign-ins naming alice spend nothing of hers: she signs in, adds a passkey, invites",
        async () => {
          const handle = base64url(new TextEncoder().encode("alice"));
          const forged = await authenticator.signIn(
            { challenge: "never-issued" },
            alice.passkey,
            handle,
          );
          for (let i = 0; i < 25; i++) {
            const refused = await postFrom(app, "10.0.0.66", "sign-in", {
              response: forged,
            });
            assert.equal(refused.status, 400);
            assert.equal((await json(refused)).error, "passkey-refused");
          }
          const signedIn = await signIn(
            app,
            authenticator,
            alice.passkey,
            "10.0.0.1",
          );
          assert.equal(signedIn.status, 200, await signedIn.clone().text());
          await signedIn.body?.cancel();
          const invited = await postFrom(
            app,
            "10.0.0.1",
            "invites",
            {},
            alice.cookie,
          );
          // alice may not invite (only the operator does here), and says so: not 429.
          assert.equal(invited.status, 403);
          await invited.body?.cancel();
          const options = await postFrom(
            app,
            "10.0.0.1",
            "passkeys/options",
            {},
            alice.cookie,
          );
          assert.equal(options.status, 200);
          await options.body?.cancel();
        },
      );

      await t.step(
        "a user handle has one spelling: a signed answer whose handle is respelled is refused",
        async () => {
          const canonical = base64url(new TextEncoder().encode("alice"));
          const respellings = [
            `${canonical.slice(0, 3)} ${canonical.slice(3)}`,
            `${canonical}\n`,
            `${canonical}=`,
            // The same bytes with stray low bits: "YWxpY2U" is canonical, "YWxpY2V" is not.
            canonical.slice(0, -1) + "V",
          ];
          for (const handle of respellings) {
            const refused = await signIn(
              app,
              authenticator,
              alice.passkey,
              "10.0.0.2",
              handle,
            );
            assert.equal(refused.status, 400, JSON.stringify(handle));
            assert.equal((await json(refused)).error, "passkey-refused");
          }
          const accepted = await signIn(
            app,
            authenticator,
            alice.passkey,
            "10.0.0.2",
            canonical,
          );
          assert.equal(accepted.status, 200);
          await accepted.body?.cancel();
        },
      );

      await t.step(
        "a passkey cannot be registered over a known one, by its owner or by anyone",
        async () => {
          const bob = await signUp(
            app,
            store,
            authenticator,
            "bob",
            "10.0.0.3",
          );
          for (
            const [who, cookie] of [["alice", alice.cookie], [
              "bob",
              bob.cookie,
            ]]
          ) {
            const options = await postFrom(
              app,
              "10.0.0.3",
              "passkeys/options",
              {},
              cookie,
            );
            assert.equal(options.status, 200);
            const impostor = await authenticator.newPasskey(
              who,
              alice.passkey.credentialId,
            );
            const added = await postFrom(app, "10.0.0.3", "passkeys", {
              response: await authenticator.register(
                await options.json(),
                impostor,
              ),
            }, cookie);
            assert.equal(added.status, 409, who);
            assert.equal((await json(added)).error, "passkey-known");
          }
          // A new account may not take the credential id either.
          const code = crypto.randomUUID();
          await store.createInvite({
            v: 1,
            codeHash: secretHash(code),
            userId: null,
            createdBy: "operator",
            createdAt: Date.now(),
            expiresAt: Date.now() + 60_000,
          });
          const options = await postFrom(app, "10.0.0.3", "register/options", {
            invite: code,
            userId: "mallory",
          });
          const stolen = await postFrom(app, "10.0.0.3", "register", {
            invite: code,
            userId: "mallory",
            response: await authenticator.register(
              await options.json(),
              await authenticator.newPasskey(
                "mallory",
                alice.passkey.credentialId,
              ),
            ),
          });
          assert.equal(stolen.status, 409);
          await stolen.body?.cancel();
          const real = await signIn(
            app,
            authenticator,
            alice.passkey,
            "10.0.0.3",
          );
          assert.equal(real.status, 200, "alice's own passkey still signs in");
          await real.body?.cancel();
        },
      );

      await t.step(
        "a refused request's Retry-After is when a try can succeed, and its sentence says so",
        async () => {
          let refused: Response | null = null;
          for (let i = 0; i <= PER_ADDRESS.capacity; i++) {
            const response = await postFrom(
              app,
              "10.0.0.4",
              "sign-in/options",
              {},
            );
            if (response.status === 429) refused = response;
            else await response.body?.cancel();
          }
          assert.ok(refused, "the burst ran out");
          const seconds = Number(refused.headers.get("retry-after"));
          assert.equal(seconds, Math.ceil(1 / PER_ADDRESS.perSecond));
          assert.match(
            String((await json(refused)).message),
            new RegExp(`try again in ${seconds} s`),
          );
          await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
          const again = await postFrom(app, "10.0.0.4", "sign-in/options", {});
          assert.equal(again.status, 200);
          await again.body?.cancel();
        },
      );

      await t.step(
        "a 96 MiB body sent in chunks is refused at 64 KiB, not read whole",
        async () => {
          const before = await residentMiB(app.pid);
          let pulled = 0;
          const chunk = new Uint8Array(64 * 1024).fill(0x20);
          const body = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (pulled >= 96 * 1024 * 1024) return controller.close();
              pulled += chunk.length;
              controller.enqueue(chunk);
            },
          });
          const response = await fetch(`${app.http}/auth/sign-in`, {
            method: "POST",
            headers: { origin: app.http, "x-forwarded-for": "10.0.0.5" },
            body,
            duplex: "half",
          } as RequestInit);
          assert.equal(response.status, 413);
          assert.equal((await json(response)).error, "too-large");
          const grown = await residentMiB(app.pid) - before;
          assert.ok(pulled < 16 * 1024 * 1024, `${pulled} bytes were sent`);
          assert.ok(grown < 32, `the server grew by ${grown.toFixed(1)} MiB`);
        },
      );

      await t.step(
        "another process holding the KV file's write lock past SQLite's 5 s wait, and invites made beside a busy server, break no sign-in",
        async () => {
          const released = await holdWriteLock(`${dir}/a.db`, 6_000);
          const whileLocked = await signIn(
            app,
            authenticator,
            alice.passkey,
            "10.0.0.6",
          );
          assert.equal(
            whileLocked.status,
            200,
            await whileLocked.clone().text(),
          );
          await whileLocked.body?.cancel();
          await released;
          const invites = Array.from(
            { length: 3 },
            () =>
              new Deno.Command(Deno.execPath(), {
                args: [
                  "run",
                  "--allow-net",
                  "--allow-env",
                  "--allow-read",
                  "--allow-write",
                  "lib/cli/invite.ts",
                ],
                cwd: root,
                env,
                stdout: "piped",
                stderr: "piped",
              }).output(),
          );
          const statuses: number[] = [];
          const busy = (async () => {
            for (let i = 0; i < 40; i++) {
              const signedIn = await signIn(
                app,
                authenticator,
                alice.passkey,
                `10.0.1.${i}`,
              );
              statuses.push(signedIn.status);
              await signedIn.body?.cancel();
            }
          })();
          const made = await Promise.all(invites);
          await busy;
          for (const output of made) {
            assert.equal(
              output.code,
              0,
              new TextDecoder().decode(output.stderr),
            );
            assert.match(
              new TextDecoder().decode(output.stdout),
              /\/signin\?invite=/,
            );
          }
          assert.deepEqual(new Set(statuses), new Set([200]));
          assert.doesNotMatch(app.output(), /database is locked/);
        },
      );

      const open = async (userId: string, cookie: string) => {
        const client = await TestClient.join(
          `${app.http.replace("http", "ws")}/ws`,
          userId,
          "",
          cookie,
        );
        clients.push(client);
        return client;
      };
      await t.step(
        "a block looks like going offline on the wire: the same one update, and no list",
        async () => {
          const [carol, dave, erin] = await Promise.all(
            ["carol", "dave", "erin"].map((name) => person(store, name)),
          );
          await befriend(app, dave, carol);
          await befriend(app, dave, erin);
          const daveSocket = await open(dave.userId, dave.cookie);
          const carolSocket = await open(carol.userId, carol.cookie);
          await open(erin.userId, erin.cookie);
          await untilShown(daveSocket, carol.userId, true);
          await untilShown(daveSocket, erin.userId, true);
          // carol really goes offline...
          const before = daveSocket.presence.length;
          carolSocket.socket.close();
          await untilShown(daveSocket, carol.userId, false);
          const offline = daveSocket.presence.slice(before);
          // ...and erin blocks dave.
          const blocked = await post(app, "blocks/add", {
            userId: dave.userId,
          }, { cookie: erin.cookie });
          assert.equal(blocked.status, 200);
          await blocked.body?.cancel();
          const beforeBlock = daveSocket.presence.length;
          await untilShown(daveSocket, erin.userId, false);
          // Anything else the block would send has had its window to arrive.
          await new Promise((resolve) => setTimeout(resolve, 500));
          const block = daveSocket.presence.slice(beforeBlock);
          const shape = (messages: unknown[], userId: string) =>
            JSON.stringify(messages).replaceAll(userId, "<user>");
          assert.equal(
            shape(block, erin.userId),
            shape(offline, carol.userId),
          );
          assert.equal(block.length, 1);
        },
      );

      await t.step(
        "gina's only socket away for 75 ms while she unblocks frank: frank sees her online again",
        async () => {
          const [frank, gina] = await Promise.all(
            ["frank", "gina"].map((name) => person(store, name)),
          );
          await befriend(app, frank, gina);
          const block = await post(app, "blocks/add", {
            userId: frank.userId,
          }, { cookie: gina.cookie });
          assert.equal(block.status, 200);
          await block.body?.cancel();
          const frankSocket = await open(frank.userId, frank.cookie);
          const ginaSocket = await open(gina.userId, gina.cookie);
          // What gina's coming online made, frank was not shown.
          await new Promise((resolve) => setTimeout(resolve, 300));
          assert.equal(believedOnline(frankSocket).has(gina.userId), false);
          ginaSocket.socket.close();
          await ginaSocket.closed;
          const unblocked = await post(app, "blocks/remove", {
            userId: frank.userId,
          }, { cookie: gina.cookie });
          assert.equal(unblocked.status, 200);
          await unblocked.body?.cancel();
          await new Promise((resolve) => setTimeout(resolve, 75));
          await open(gina.userId, gina.cookie);
          await untilShown(frankSocket, gina.userId, true);
        },
      );
    } finally {
      for (const client of clients) client.socket.close();
      store.close();
      await app.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
