/**
 * Call links over real HTTP and sockets: the app in its own process
 * (accounts mode on Deno KV, and two instances over Redis), an owner's
 * links made and revoked through `/auth/links…`, and guests joining `/ws`
 * with a link as a client nobody here wrote would. A link rings every
 * device of its owner and nobody else; a guest sees no presence and cannot
 * be called; revoking cuts a guest off mid-call on any instance; one-call
 * links work once; expired and wrong links say so; the limits hold.
 */
import assert from "node:assert/strict";
import { RedisAccountStore } from "../lib/accounts/redis_store.ts";
import { secretHash } from "../lib/accounts/session_cookie.ts";
import { LINK_REFUSALS } from "../lib/wire/link_api.ts";
import { CLOSE_CODES } from "../lib/wire/protocol.ts";
import {
  befriend,
  joinAs,
  type Person,
  person,
  post,
} from "./support/accounts.ts";
import {
  type AppProcess,
  startAppProcess,
  untilReady,
} from "./support/app_process.ts";
import {
  joinAsGuest,
  linkPage,
  type MadeLink,
  makeLink,
  refusedGuest,
} from "./support/call_link_guest.ts";
import {
  needsPermissions,
  needsService,
  REDIS,
} from "./support/environment.ts";
import { startRedis } from "./support/redis.ts";
import { startAccountsApp } from "./support/accounts_app.ts";
import { believedOnline, TestClient } from "./support/ws_client.ts";

/** `owner`'s links as its Settings list shows them. */
async function linksOf(app: AppProcess, owner: Person) {
  const response = await fetch(`${app.http}/auth/links`, {
    headers: { cookie: owner.cookie },
  });
  assert.equal(response.status, 200);
  return (await response.json()).links as {
    id: string;
    label: string;
    usedAt: number | null;
  }[];
}

/** `guest` rings `owner`'s devices through its link; each device hears the ring with the guest's card. */
async function ringThrough(
  guest: TestClient,
  owner: Person,
  devices: TestClient[],
  card: { name: string; label: string },
): Promise<void> {
  guest.send("call:request", {
    to: owner.userId,
    hasVideo: true,
    hasAudio: true,
  });
  for (const device of devices) {
    const ring = await device.find("call:request");
    assert.equal(ring.payload.from, guest.userId);
    assert.deepEqual((ring.payload as { guest?: unknown }).guest, card);
  }
}

/** The guest's socket is closed by the server with `sentence`. */
async function cutOff(guest: TestClient, sentence: string): Promise<void> {
  const { code, reason } = await guest.closed;
  assert.equal(code, CLOSE_CODES.link);
  assert.equal(reason, sentence);
}

Deno.test({
  name:
    "call links: a guest rings every device of the link's owner and nobody else; no presence, not callable; ring limit; revoked mid-call; once; expired; wrong; link limit",
  ignore: needsPermissions(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const { app, store, close } = await startAccountsApp({
      NEXUS_CALL_LINKS_MAX: "3",
    });
    const clients: TestClient[] = [];
    const keep = (client: TestClient) => (clients.push(client), client);
    try {
      const [alice, bob] = await Promise.all(
        ["alice", "bob"].map((name) => person(store, name)),
      );
      await befriend(app, alice, bob);
      const phone = keep(await joinAs(app, alice));
      const laptop = keep(await joinAs(app, alice));
      const grandma = await makeLink(app, alice, { label: "Grandma" });
      const card = { name: "Gran", label: "Grandma" };
      let guest: TestClient;

      await t.step(
        "a link rings every device of its owner, with the guest's name; the call goes as any call and is in the owner's history",
        async () => {
          const page = await linkPage(app, grandma.secret);
          assert.equal(page.status, 200);
          assert.match(page.text, new RegExp(alice.userId));
          guest = keep(await joinAsGuest(app, grandma, "Gran"));
          assert.equal(guest.userId, `~${grandma.id}`);
          await ringThrough(guest, alice, [phone, laptop], card);
          phone.send("call:response", { to: guest.userId, accepted: true });
          const answer = await guest.find("call:response");
          assert.equal(answer.payload.accepted, true);
          assert.equal(
            (await laptop.find("call:end")).payload.reason,
            "answered-elsewhere",
          );
          guest.send("webrtc:offer", {
            to: alice.userId,
            offer: { type: "offer", sdp: "v=0" },
          });
          assert.equal(
            (await phone.find("webrtc:offer")).payload.from,
            guest.userId,
          );
          phone.send("call:end", { to: guest.userId });
          assert.equal((await guest.find("call:end")).payload.reason, "hangup");
          const history = await (await fetch(`${app.http}/auth/history`, {
            headers: { cookie: alice.cookie },
          })).json();
          const entry = history.entries.find((e: { peer: string }) =>
            e.peer === guest.userId
          );
          assert.deepEqual(entry.guest, card);
          assert.equal(entry.outcome, "answered");
          assert.notEqual((await linksOf(app, alice))[0].usedAt, null);
        },
      );

      await t.step(
        "the guest calls nobody else, sees nobody's presence, cannot be called; a second guest waits; nobody poses as a guest",
        async () => {
          guest.send("call:request", {
            to: bob.userId,
            hasVideo: false,
            hasAudio: true,
          });
          assert.equal(
            (await guest.find("error")).payload.code,
            "peer-unavailable",
          );
          assert.deepEqual([...believedOnline(guest)], []);
          const bobs = keep(await joinAs(app, bob));
          bobs.send("call:request", {
            to: guest.userId,
            hasVideo: false,
            hasAudio: true,
          });
          assert.equal(
            (await bobs.find("error")).payload.code,
            "peer-unavailable",
          );
          // An account's own `guest` card is not passed on.
          bobs.send("call:request", {
            to: alice.userId,
            hasVideo: false,
            hasAudio: true,
            guest: { name: "Your bank", label: "Grandma" },
          });
          const ring = await phone.find("call:request");
          assert.equal(ring.payload.from, bob.userId);
          assert.equal("guest" in ring.payload, false);
          bobs.send("call:end", { to: alice.userId });
          await phone.find("call:end");
          await laptop.find("call:request");
          await laptop.find("call:end");
          assert.deepEqual(
            await refusedGuest(app, grandma),
            { code: CLOSE_CODES.link, reason: LINK_REFUSALS.busy },
          );
          const invite = await post(app, "invites", {
            userId: `~${grandma.id}`,
          }, {
            cookie: alice.cookie,
          });
          assert.equal(invite.status, 400);
        },
      );

      await t.step("a link rings three times, then once a minute", async () => {
        await guest.close();
        const card = { name: "Max", label: "Rings" };
        const rings = await makeLink(app, alice, { label: card.label });
        const ringer = keep(await joinAsGuest(app, rings, card.name));
        for (let ring = 0; ring < 3; ring++) {
          await ringThrough(ringer, alice, [phone, laptop], card);
          ringer.send("call:end", { to: alice.userId });
          for (const device of [phone, laptop]) await device.find("call:end");
        }
        ringer.send("call:request", {
          to: alice.userId,
          hasVideo: true,
          hasAudio: true,
        });
        assert.equal((await ringer.find("error")).payload.code, "rate-limited");
        await post(app, "links/revoke", { id: rings.id }, {
          cookie: alice.cookie,
        });
      });

      await t.step(
        "revoked mid-call: the guest is cut off in words, the owner hears why, the link's page says so",
        async () => {
          const plumber = await makeLink(app, alice, { label: "Plumber" });
          const guest = keep(await joinAsGuest(app, plumber, "Joe"));
          await ringThrough(guest, alice, [phone, laptop], {
            name: "Joe",
            label: "Plumber",
          });
          laptop.send("call:response", { to: guest.userId, accepted: true });
          await guest.find("call:response");
          await phone.find("call:end");
          const revoked = await post(app, "links/revoke", { id: plumber.id }, {
            cookie: alice.cookie,
          });
          assert.equal(revoked.status, 200);
          await cutOff(guest, LINK_REFUSALS.revoked);
          assert.equal(
            (await laptop.find("call:end")).payload.reason,
            "link-revoked",
          );
          const page = await linkPage(app, plumber.secret);
          assert.equal(page.status, 410);
          assert.match(page.text, /revoked by the person who made it/);
          assert.deepEqual(await refusedGuest(app, plumber), {
            code: CLOSE_CODES.link,
            reason: LINK_REFUSALS.revoked,
          });
          assert.ok(
            !(await linksOf(app, alice)).some((link) => link.id === plumber.id),
          );
        },
      );

      await t.step("a one-call link works once", async () => {
        const once = await makeLink(app, alice, {
          label: "Courier",
          once: true,
        });
        const guest = keep(await joinAsGuest(app, once, "Ann", "ann-phone"));
        assert.deepEqual(
          await refusedGuest(app, once, "someone-else"),
          { code: CLOSE_CODES.link, reason: LINK_REFUSALS.used },
        );
        await ringThrough(guest, alice, [phone, laptop], {
          name: "Ann",
          label: "Courier",
        });
        phone.send("call:response", { to: guest.userId, accepted: false });
        assert.equal(
          (await guest.find("call:response")).payload.accepted,
          false,
        );
        await laptop.find("call:end");
        await cutOff(guest, LINK_REFUSALS.used);
        assert.equal((await linkPage(app, once.secret)).status, 410);
        assert.deepEqual(await refusedGuest(app, once, "ann-phone"), {
          code: CLOSE_CODES.link,
          reason: LINK_REFUSALS.used,
        });
      });

      await t.step(
        "an expired link and a wrong one say which; bad requests and the limit on links are refused in words",
        async () => {
          const secret = "expired-link-secret-0123";
          const hash = secretHash(secret);
          await store.links.add({
            v: 1,
            id: hash.slice(0, 16),
            hash,
            owner: alice.userId,
            label: "Old",
            createdAt: Date.now() - 7_200_000,
            expiresAt: Date.now() - 3_600_000,
            once: false,
            revokedAt: null,
            usedAt: null,
            claimedBy: null,
            spentAt: null,
          }, 100);
          const expired: MadeLink = { secret, id: hash.slice(0, 16) };
          assert.equal((await linkPage(app, secret)).status, 410);
          assert.deepEqual(await refusedGuest(app, expired), {
            code: CLOSE_CODES.link,
            reason: LINK_REFUSALS.expired,
          });
          const wrong = { secret: "not-a-link-anybody-made0", id: "" };
          const page = await linkPage(app, wrong.secret);
          assert.equal(page.status, 404);
          assert.match(page.text, /does not work/);
          assert.deepEqual(await refusedGuest(app, wrong), {
            code: CLOSE_CODES.link,
            reason: LINK_REFUSALS.wrong,
          });
          for (
            const bad of [{ label: "", hours: 24 }, { label: "x", hours: 0 }]
          ) {
            const response = await post(app, "links/create", bad, {
              cookie: bob.cookie,
            });
            assert.equal(response.status, 400);
            assert.match((await response.json()).message, /link/i);
          }
          for (const label of ["one", "two", "three"]) {
            await makeLink(app, bob, { label });
          }
          const over = await post(app, "links/create", {
            label: "four",
            hours: 1,
          }, { cookie: bob.cookie });
          assert.equal(over.status, 409);
          assert.match((await over.json()).message, /revoke one first/);
        },
      );
    } finally {
      for (const client of clients) await client.close();
      await close();
    }
  },
});

Deno.test({
  name:
    "call links: two instances over Redis: a guest on one rings the owner's devices on both; revoked on the other, it is cut off",
  ignore: needsService(REDIS),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const redis = await startRedis();
    const env = { NEXUS_ACCOUNTS: "on", NEXUS_REDIS_URL: redis.url };
    const [one, two] = await Promise.all([
      startAppProcess(env),
      startAppProcess(env),
    ]);
    const store = await RedisAccountStore.open(redis.url);
    const clients: TestClient[] = [];
    try {
      await untilReady([one, two]);
      const alice = await person(store, "alice");
      const here = await joinAs(one, alice);
      const there = await joinAs(two, alice);
      clients.push(here, there);
      const link = await makeLink(one, alice, { label: "Neighbour" });
      const guest = await joinAsGuest(two, link, "Sam");
      clients.push(guest);
      const card = { name: "Sam", label: "Neighbour" };
      await ringThrough(guest, alice, [here, there], card);
      here.send("call:response", { to: guest.userId, accepted: true });
      await guest.find("call:response");
      await there.find("call:end");
      const revoked = await post(one, "links/revoke", { id: link.id }, {
        cookie: alice.cookie,
      });
      assert.equal(revoked.status, 200);
      await cutOff(guest, LINK_REFUSALS.revoked);
      assert.equal(
        (await here.find("call:end")).payload.reason,
        "link-revoked",
      );
      assert.equal((await linkPage(two, link.secret)).status, 410);
    } finally {
      for (const client of clients) await client.close();
      store.close();
      await Promise.all([one.stop(), two.stop()]);
      await redis.stop();
    }
  },
});
