/** The JavaScript a page makes the browser download, and its size gzip. */
import { gzipSync } from "node:zlib";

/** Every script the page at `path` loads: its script URLs (the islands' and `/theme.js`) and, transitively, their static imports. */
export async function pageScripts(
  base: string,
  path = "/",
): Promise<Map<string, Uint8Array>> {
  const html = await (await fetch(base + path)).text();
  const pending = [
    ...html.matchAll(/["'](\/[^"'?]+\.js)(?:\?[^"']*)?["']/g),
  ].map((m) => m[1]);
  const loaded = new Map<string, Uint8Array>();
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (loaded.has(path)) continue;
    const response = await fetch(base + path);
    if (response.status !== 200) {
      throw new Error(`${path} answered ${response.status}`);
    }
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

/** Bytes of `files` after gzip -9, each compressed on its own as a server would send it. */
export function gzippedSize(files: Iterable<Uint8Array>): number {
  let total = 0;
  for (const file of files) total += gzipSync(file, { level: 9 }).length;
  return total;
}
