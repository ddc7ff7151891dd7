import assert from "node:assert/strict";
import {
  cookieValue,
  randomCode,
  readSessionCookie,
  setSessionCookie,
} from "./session_cookie.ts";

const KEY = new Uint8Array(32).fill(7);
const OTHER_KEY = new Uint8Array(32).fill(8);

Deno.test("session cookie: read back as written, among other cookies", () => {
  const session = { userId: "ann.lee", sessionId: randomCode() };
  const header = `theme=dark; nexus_session=${cookieValue(KEY, session)}; x=1`;
  assert.deepEqual(readSessionCookie(KEY, header), session);
});

Deno.test("session cookie: another key, a changed user or id, or junk: nobody", () => {
  const session = { userId: "alice", sessionId: randomCode() };
  const value = cookieValue(KEY, session);
  assert.equal(readSessionCookie(OTHER_KEY, `nexus_session=${value}`), null);
  assert.equal(
    readSessionCookie(KEY, `nexus_session=${value.replace("alice", "alicf")}`),
    null,
  );
  for (
    const junk of [
      null,
      "",
      "nexus_session=",
      "nexus_session=a.b",
      "nexus_session=a..",
      "nexus_session=" + "x".repeat(5000),
    ]
  ) {
    assert.equal(readSessionCookie(KEY, junk), null, String(junk));
  }
});

Deno.test("session cookie: HttpOnly, Secure, SameSite=Strict, for the whole site", () => {
  assert.equal(
    setSessionCookie("v", 60),
    "nexus_session=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Strict",
  );
});
