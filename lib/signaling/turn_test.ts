import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { TURN_TTL_S, turnCredentials } from "./turn.ts";

Deno.test("turn: TURN credentials follow coturn's REST scheme", async () => {
  const now = Date.UTC(2026, 10, 24, 12, 0, 0);
  const server = await turnCredentials(
    ["turn:127.0.0.1:3478"],
    "s3cret",
    "alice",
    now,
  );
  const expiry = now / 1000 + TURN_TTL_S;
  assert.equal(server.username, `${expiry}:alice`);
  assert.equal(
    server.credential,
    createHmac("sha1", "s3cret").update(`${expiry}:alice`).digest("base64"),
  );
  assert.deepEqual(server.urls, ["turn:127.0.0.1:3478"]);
});
