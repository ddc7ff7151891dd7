import assert from "node:assert/strict";
import { clientAddress, parseTrustedProxies } from "./client_address.ts";

const request = (forwardedFor?: string) =>
  new Request("http://localhost/", {
    headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {},
  });

Deno.test("client address: the peer unless it is a trusted proxy; then the right-most untrusted hop", () => {
  const proxies = parseTrustedProxies("127.0.0.1, 10.0.0.0/8, ::1");
  const cases: [string | undefined, string, string, string][] = [
    // [X-Forwarded-For, peer, expected, why]
    [
      "198.51.100.7",
      "203.0.113.9",
      "203.0.113.9",
      "an untrusted peer's header is never read",
    ],
    ["198.51.100.7", "127.0.0.1", "198.51.100.7", "one proxy"],
    [
      "forged, 198.51.100.7",
      "127.0.0.1",
      "198.51.100.7",
      "what the client wrote is left of its hop",
    ],
    [
      "198.51.100.7, 10.1.2.3",
      "::ffff:127.0.0.1",
      "198.51.100.7",
      "two proxies; an IPv4-mapped peer",
    ],
    [
      "10.9.9.9, 10.1.2.3",
      "127.0.0.1",
      "10.9.9.9",
      "all trusted: the left-most",
    ],
    [undefined, "127.0.0.1", "127.0.0.1", "no header: the proxy itself"],
    [
      "not-an-address, 198.51.100.7",
      "::1",
      "198.51.100.7",
      "a malformed hop left of the client",
    ],
    [
      "198.51.100.7, garbage",
      "127.0.0.1",
      "127.0.0.1",
      "a malformed hop from the proxy: the proxy",
    ],
    ["[2001:db8::1]", "127.0.0.1", "2001:db8::1", "IPv6 in brackets"],
  ];
  for (const [forwardedFor, peer, expected, why] of cases) {
    assert.equal(
      clientAddress(request(forwardedFor), peer, proxies),
      expected,
      why,
    );
  }
  assert.equal(
    clientAddress(request("198.51.100.7"), "127.0.0.1", []),
    "127.0.0.1",
    "none trusted by default",
  );
});

Deno.test("client address: a trusted proxy that is neither an address nor a CIDR is refused in a sentence", () => {
  assert.throws(
    () => parseTrustedProxies("10.0.0.0/33"),
    /"10\.0\.0\.0\/33" is neither an address nor a CIDR/,
  );
});
