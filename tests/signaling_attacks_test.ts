/**
 * The signaling server attacked from outside over real sockets: a payload
 * one value past the documented shape is refused, in fields or in array
 * items; and one address cannot make the server (its own process, with its
 * default settings) hold more than 2 GiB by opening sockets and stalling
 * each in the middle of a 64 MiB frame. See SECURITY.md.
 */
import assert from "node:assert/strict";
import { MAX_PAYLOAD_VALUES } from "../lib/signaling/client_frames.ts";
import { DEFAULT_MAX_CONNECTIONS_PER_IP } from "../lib/config/config.ts";
import { startAppProcess } from "./support/app_process.ts";
import { needsPermissions } from "./support/environment.ts";
import { type RawAnswer, upgradeFrom } from "./support/from_address.ts";
import { serverTest, startSignaling } from "./support/servers.ts";
import { TestClient } from "./support/ws_client.ts";

serverTest(
  "signaling under attack: a payload of 257 values is refused, in fields or in items; 256 pass the shape check",
  async (server) => {
    const alice = await TestClient.join(server.ws, "alice");
    const fields = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]));
    // `to` is one value of the payload; the array's field is another.
    const payloads: [string, Record<string, unknown>, boolean][] = [
      ["fields", fields(MAX_PAYLOAD_VALUES - 1), true],
      ["fields", fields(MAX_PAYLOAD_VALUES), false],
      ["items", { a: Array(MAX_PAYLOAD_VALUES - 2).fill(0) }, true],
      ["items", { a: Array(MAX_PAYLOAD_VALUES - 1).fill(0) }, false],
      ["items", { a: Array(388).fill([]) }, false],
    ];
    for (const [kind, extra, fits] of payloads) {
      alice.socket.send(JSON.stringify({
        type: "call:end",
        payload: { to: "bob", ...extra },
      }));
      const error = await alice.find("error");
      const refusedForShape = /at most 256 fields and items/.test(
        String(error.payload.message),
      );
      assert.equal(refusedForShape, !fits, `${kind}: ${error.payload.message}`);
      alice.inbox.splice(alice.inbox.indexOf(error), 1);
    }
    alice.socket.close();
    await alice.closed;
  },
  () => startSignaling(),
);

/** The server process's resident memory, in MiB. */
async function residentMiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(status.match(/VmRSS:\s+(\d+)/)![1]) / 1024;
}

Deno.test({
  name:
    "signaling under attack: one address stalling a 64 MiB frame on every socket it may open pins under 2 GiB",
  ignore: needsPermissions(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await startAppProcess({});
    const url = `${app.http.replace("http", "ws")}/ws`;
    const sockets: RawAnswer["socket"][] = [];
    try {
      const before = await residentMiB(app.pid);
      const chunk = new Uint8Array(1024 * 1024).fill(0x61);
      for (let i = 0; i < DEFAULT_MAX_CONNECTIONS_PER_IP; i++) {
        const { status, socket } = await upgradeFrom(
          "127.0.0.1",
          `${url}?userId=pin${i}`,
          { origin: app.http },
        );
        assert.equal(status, 101);
        socket.on("error", () => {});
        sockets.push(socket);
        // A masked text frame announcing 64 MiB - 1, then all of it but the last MiB.
        const header = new Uint8Array(14);
        header[0] = 0x81;
        header[1] = 0x80 | 127;
        new DataView(header.buffer).setBigUint64(
          2,
          BigInt(64 * 1024 * 1024 - 1),
        );
        socket.write(header);
        for (let sent = 0; sent < 63; sent++) {
          if (!socket.write(chunk)) {
            await new Promise((resolve) => socket.once("drain", resolve));
          }
        }
      }
      const refused = await upgradeFrom("127.0.0.1", `${url}?userId=one-more`, {
        origin: app.http,
      });
      assert.equal(refused.status, 429);
      refused.socket.destroy();
      // The server has read what was sent once its memory stops growing.
      let held = await residentMiB(app.pid) - before;
      for (let last = -Infinity; held - last > 1;) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        last = held;
        held = await residentMiB(app.pid) - before;
      }
      console.log(
        `${DEFAULT_MAX_CONNECTIONS_PER_IP} sockets, 63 MiB each: the server holds ${
          held.toFixed(0)
        } MiB more`,
      );
      assert.ok(
        held > 63 * DEFAULT_MAX_CONNECTIONS_PER_IP * 0.9,
        "it was read",
      );
      assert.ok(held < 2048, `${held.toFixed(0)} MiB pinned`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await app.stop();
    }
  },
});
