/** The call page's JavaScript, as the browser downloads it, stays small. */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { needsPermissions } from "./support/environment.ts";
import { startApp } from "./support/servers.ts";

/** The budget for the call page's JavaScript, gzip. */
const BUDGET_BYTES = 30 * 1024;

/** Every module the page loads: its script URLs and, transitively, their static imports. */
async function pageScripts(base: string): Promise<Map<string, Uint8Array>> {
  const html = await (await fetch(`${base}/`)).text();
  const pending = [...html.matchAll(/(\/_frsh\/js\/[^"']+\.js)/g)].map((m) =>
    m[1]
  );
  const loaded = new Map<string, Uint8Array>();
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (loaded.has(path)) continue;
    const response = await fetch(base + path);
    assert.equal(response.status, 200, path);
    const body = new Uint8Array(await response.arrayBuffer());
    loaded.set(path, body);
    for (
      const match of new TextDecoder().decode(body).matchAll(
        /from\s*"(\.{1,2}\/[^"]+\.js)"/g,
      )
    ) {
      pending.push(new URL(match[1], base + path).pathname);
    }
  }
  return loaded;
}

Deno.test({
  name: "the call page's JavaScript stays under 30 KB gzip",
  ignore: needsPermissions(),
  async fn() {
    const server = await startApp();
    try {
      const scripts = await pageScripts(server.http);
      const gzipped = [...scripts.values()].reduce(
        (sum, body) => sum + gzipSync(body, { level: 9 }).length,
        0,
      );
      console.log(
        `call page JavaScript: ${scripts.size} files, ${gzipped} bytes gzip`,
      );
      assert.ok(scripts.size >= 2);
      assert.ok(
        gzipped < BUDGET_BYTES,
        `${gzipped} bytes gzip is over the ${BUDGET_BYTES} byte budget`,
      );
    } finally {
      await server.close();
    }
  },
});
