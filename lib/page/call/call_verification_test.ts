import assert from "node:assert/strict";
import { memoryStore } from "../../../tests/support/memory_store.ts";
import { CallVerification } from "./call_verification.ts";
import { fingerprint } from "./transport_keys.ts";
import { verificationCode } from "./verification_code.ts";

/** A connected peer connection (Firefox-like: keys from its descriptions) with these two certificates. */
function connected(local: string, remote: string): RTCPeerConnection {
  return {
    getStats: () => Promise.resolve(new Map()),
    connectionState: "connected",
    localDescription: { type: "offer", sdp: `a=fingerprint:sha-256 ${local}` },
    remoteDescription: {
      type: "answer",
      sdp: `a=fingerprint:sha-256 ${remote}`,
    },
  } as unknown as RTCPeerConnection;
}

Deno.test("call verification: the code of the connected transport's two keys", async () => {
  const verification = new CallVerification(memoryStore());
  verification.reset("bob");
  await verification.check(connected("AA", "BB"));
  assert.equal(verification.code.value, null, "made only once shown");
  await verification.show();
  assert.equal(
    verification.code.value,
    await verificationCode(
      fingerprint("sha-256", "AA"),
      fingerprint("sha-256", "BB"),
    ),
  );
  assert.equal(verification.status.value, "unverified");
});

Deno.test("call verification: a key marked verified is verified on the next call; another key for that user is a change", async () => {
  const kept = new Map<string, string>();
  const verification = new CallVerification(memoryStore(kept));
  verification.reset("bob");
  await verification.check(connected("AA", "B0:B1"));
  verification.markVerified();
  assert.equal(verification.status.value, "verified");

  const nextPage = new CallVerification(memoryStore(kept));
  nextPage.reset("bob");
  await nextPage.check(connected("AA", "B0:B1"));
  assert.equal(nextPage.status.value, "verified");

  nextPage.reset("bob");
  await nextPage.check(connected("AA", "B0:B2"));
  assert.equal(nextPage.status.value, "changed");
  nextPage.reset("carol");
  await nextPage.check(connected("AA", "B0:B1"));
  assert.equal(nextPage.status.value, "unverified", "verified for bob only");
});

Deno.test("call verification: nothing to mark before the transport is connected; a check of an older call is dropped", async () => {
  const kept = new Map<string, string>();
  const verification = new CallVerification(memoryStore(kept));
  verification.reset("bob");
  verification.markVerified();
  assert.equal(kept.size, 0);
  const late = verification.check(connected("AA", "BB"));
  verification.reset("carol");
  await late;
  assert.equal(verification.code.value, null);
});

Deno.test("call verification: a stored list that is not one is read as nothing verified", async () => {
  const kept = new Map([["nexus-call.verified-keys", '{"bob":"oops"}']]);
  const verification = new CallVerification(memoryStore(kept));
  verification.reset("bob");
  await verification.check(connected("AA", "BB"));
  assert.equal(verification.status.value, "unverified");
  verification.markVerified();
  assert.equal(verification.status.value, "verified");
});

Deno.test("call verification: shown before the transport connects, the code comes with the keys, and again when they change", async () => {
  const verification = new CallVerification(memoryStore());
  verification.reset("bob");
  await verification.show();
  assert.equal(verification.code.value, null);
  await verification.check(connected("AA", "BB"));
  const first = verification.code.value;
  assert.match(first ?? "", /^\d{5} \d{5} \d{5}$/);
  await verification.check(connected("AA", "CC"));
  assert.notEqual(verification.code.value, first);
  verification.reset("carol");
  assert.equal(verification.code.value, null, "a new call hides the code");
});
