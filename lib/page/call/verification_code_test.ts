import assert from "node:assert/strict";
import { fingerprint } from "./transport_keys.ts";
import { verificationCode } from "./verification_code.ts";

const ALICE = fingerprint(
  "SHA-256",
  "2f:4b:1a:90:7c:e3:55:01:9d:aa:3c:6e:b2:84:f0:11:7e:29:c5:63:0b:d8:41:9f:e6:72:3a:c0:58:bd:14:e9",
);
const BOB = fingerprint(
  "sha-256",
  "A1:03:7F:66:D2:19:8B:E4:50:3C:C7:2A:91:F8:0E:B5:64:27:DC:83:1F:4A:B9:06:E2:75:98:3D:C1:5A:F0:27",
);
const MALLORY = fingerprint(
  "sha-256",
  "09:E1:44:B7:6A:2D:F3:58:C0:91:1E:7B:A4:36:DF:02:85:6C:B1:49:E8:13:7A:D6:20:FB:5E:94:C3:08:A7:6D",
);

Deno.test("verification code: the same whichever end computes it", async () => {
  assert.equal(
    await verificationCode(ALICE, BOB),
    await verificationCode(BOB, ALICE),
  );
});

Deno.test("verification code: stable, three groups of five digits", async () => {
  // Computed apart from this code, with Python's hashlib.pbkdf2_hmac: a change
  // here changes every code, and pages of two versions would disagree.
  assert.equal(await verificationCode(ALICE, BOB), "34462 18892 79988");
});

Deno.test("verification code: a different key on either end gives a different code", async () => {
  const honest = await verificationCode(ALICE, BOB);
  assert.notEqual(await verificationCode(ALICE, MALLORY), honest);
  assert.notEqual(await verificationCode(MALLORY, BOB), honest);
});

Deno.test("verification code: fingerprints compare whatever the case of their hex", () => {
  assert.equal(
    fingerprint("SHA-256", "ab:cd"),
    fingerprint("sha-256", "AB:CD"),
  );
});
