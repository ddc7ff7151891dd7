/**
 * ICE URLs taken apart as the doctor reads them; the doctor's checks run
 * against a real coturn in tests/doctor_test.ts and in the network lab.
 * @module
 */
import assert from "node:assert/strict";
import { parseIceUrl } from "./ice_url.ts";

Deno.test("ice url: STUN and TURN URLs with their default ports and transports", () => {
  const cases: [string, unknown][] = [
    ["stun:stun.example.org", {
      scheme: "stun",
      host: "stun.example.org",
      port: 3478,
      transport: "udp",
    }],
    ["turn:203.0.113.11:3478?transport=tcp", {
      scheme: "turn",
      host: "203.0.113.11",
      port: 3478,
      transport: "tcp",
    }],
    ["turns:relay.example.org?transport=tcp", {
      scheme: "turns",
      host: "relay.example.org",
      port: 5349,
      transport: "tls",
    }],
    ["turn:[2001:db8::1]:3479", {
      scheme: "turn",
      host: "2001:db8::1",
      port: 3479,
      transport: "udp",
    }],
  ];
  for (const [url, parts] of cases) {
    assert.deepEqual(parseIceUrl(url), { url, ...parts as object });
  }
  for (
    const bad of [
      "http://relay",
      "turn:",
      "turn:host:port",
      "turn:h?transport=sctp",
    ]
  ) {
    assert.equal(parseIceUrl(bad), null, bad);
  }
});
