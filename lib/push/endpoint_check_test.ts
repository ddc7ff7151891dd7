import assert from "node:assert/strict";
import { endpointRefusal, type Resolve } from "./endpoint_check.ts";

/** A resolver over a fixed table: names a test controls, no network. */
const table: Record<string, string[]> = {
  "push.example.org": ["203.0.113.7", "2001:db8::7"],
  "fcm.googleapis.com": ["142.250.74.74", "2a00:1450:4001:82a::200a"],
  "rebound.example.org": ["142.250.74.74", "127.0.0.1"],
  "inside.example.org": ["10.0.0.8"],
  "mapped.example.org": ["::ffff:192.168.1.1"],
  "metadata.example.org": ["169.254.169.254"],
};
const resolve: Resolve = (host) => Promise.resolve(table[host] ?? []);
const none = new Set<string>();

Deno.test("push endpoint: https on public addresses only, unless the host is allowed", async () => {
  // 203.0.113.0/24 and 2001:db8::/32 are documentation ranges: not public either.
  assert.match(
    (await endpointRefusal("https://push.example.org/x", none, resolve))!,
    /public internet/,
  );
  assert.equal(
    await endpointRefusal("https://fcm.googleapis.com/wp/abc", none, resolve),
    null,
  );
  assert.equal(
    await endpointRefusal("https://142.250.74.74/wp/abc", none, resolve),
    null,
  );
  for (
    const [endpoint, refusal] of [
      ["http://fcm.googleapis.com/wp/abc", /must be an https URL/],
      ["https://rebound.example.org/x", /public internet/],
      ["https://inside.example.org/x", /public internet/],
      ["https://mapped.example.org/x", /public internet/],
      ["https://metadata.example.org/x", /public internet/],
      ["https://127.0.0.1:8443/x", /public internet/],
      ["https://[::1]/x", /public internet/],
      ["https://[fd00::1]/x", /public internet/],
      ["https://0.0.0.0/x", /public internet/],
      ["https://nowhere.example.org/x", /has no address/],
      ["https://u:p@fcm.googleapis.com/x", /user name or password/],
      ["fcm.googleapis.com/x", /not a URL/],
    ] as const
  ) {
    assert.match(
      (await endpointRefusal(endpoint, none, resolve)) ?? "allowed",
      refusal,
      endpoint,
    );
  }
  const allowed = new Set(["127.0.0.1:8443", "inside.example.org:443"]);
  assert.equal(
    await endpointRefusal("https://127.0.0.1:8443/x", allowed, resolve),
    null,
  );
  assert.equal(
    await endpointRefusal("https://inside.example.org/x", allowed, resolve),
    null,
  );
  // Only that port of that host.
  assert.match(
    (await endpointRefusal("https://127.0.0.1:9443/x", allowed, resolve))!,
    /public internet/,
  );
});
