/**
 * The ahead-of-time build: bundles the client runtime and every island with
 * `deno bundle` (ESM, code splitting, minified) and writes them with a
 * snapshot into the build folder.
 */
import { type Snapshot, SNAPSHOT_FILE } from "./snapshot.ts";
import type { FreshConfig } from "./types.ts";

const CLIENT_MAIN = new URL("./client/main.ts", import.meta.url);

/** Resolves the build folder of an app rooted at `root`. */
export function outDirOf(root: string, config: FreshConfig): string {
  const outDir = config.build?.outDir ?? "_fresh";
  return outDir.startsWith("/") ? outDir : `${root}/${outDir}`;
}

function commonFolder(paths: string[]): string {
  const parts = paths.map((path) => path.split("/").slice(0, -1));
  const common: string[] = [];
  for (
    let i = 0;
    parts.every((p) => i < p.length && p[i] === parts[0][i]);
    i++
  ) {
    common.push(parts[0][i]);
  }
  return common.join("/");
}

async function listFiles(folder: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(`${folder}/${prefix}`)) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) files.push(...await listFiles(folder, path));
    else files.push(path);
  }
  return files.sort();
}

async function contentHash(folder: string, files: string[]): Promise<string> {
  const parts: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for (const file of files) {
    parts.push(encoder.encode(file), await Deno.readFile(`${folder}/${file}`));
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * Builds the app rooted at `root` whose islands are `islandFiles` (manifest
 * keys such as `./islands/CallInterface.tsx`) and returns the snapshot.
 */
export async function build(
  root: string,
  islandFiles: string[],
  config: FreshConfig,
): Promise<Snapshot> {
  const outDir = outDirOf(root, config);
  const staging = await Deno.makeTempDir({ prefix: "fresh-build-" });
  try {
    const entries = [
      decodeURIComponent(CLIENT_MAIN.pathname),
      ...islandFiles.map((file) => `${root}/${file.slice(2)}`),
    ];
    const islands: Record<string, string> = {};
    let main = "";
    if (islandFiles.length > 0) {
      const result = await new Deno.Command(Deno.execPath(), {
        args: [
          "bundle",
          "--quiet",
          "--platform=browser",
          "--format=esm",
          "--minify",
          "--code-splitting",
          `--outdir=${staging}`,
          ...entries,
        ],
        cwd: root,
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (!result.success) {
        throw new Error(
          `deno bundle failed:\n${new TextDecoder().decode(result.stderr)}`,
        );
      }
      const base = commonFolder(entries);
      const outputOf = (entry: string) =>
        entry.slice(base.length + 1).replace(/\.[jt]sx?$/, ".js");
      main = outputOf(entries[0]);
      islandFiles.forEach((file, i) =>
        islands[file] = outputOf(entries[i + 1])
      );
    }
    const files = islandFiles.length > 0 ? await listFiles(staging) : [];
    for (const expected of [main, ...Object.values(islands)].filter(Boolean)) {
      if (!files.includes(expected)) {
        throw new Error(`deno bundle did not write ${expected}`);
      }
    }
    const plugins: Record<string, unknown> = {};
    for (const plugin of config.plugins ?? []) {
      if (plugin.build) plugins[plugin.name] = await plugin.build({ root });
    }
    const snapshot: Snapshot = {
      buildId: await contentHash(staging, files),
      main,
      islands,
      files,
      plugins,
    };
    await Deno.writeTextFile(
      `${staging}/${SNAPSHOT_FILE}`,
      JSON.stringify(snapshot, null, 2),
    );
    await Deno.remove(outDir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    await Deno.mkdir(outDir, { recursive: true });
    for (const file of [...files, SNAPSHOT_FILE]) {
      const target = `${outDir}/${file}`;
      await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), {
        recursive: true,
      });
      await Deno.copyFile(`${staging}/${file}`, target);
    }
    return snapshot;
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}
