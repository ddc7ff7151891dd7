/**
 * The development entry of a Fresh app: `dev.ts manifest` regenerates
 * `fresh.gen.ts`, `dev.ts build` also writes the bundles to `_fresh/`, and
 * `dev.ts` with no argument does both and then serves the app.
 * @module
 */
import { build } from "./src/build.ts";
import { collectFiles, generateManifest } from "./src/manifest.ts";
import type { FreshConfig } from "./src/types.ts";

/** Writes `fresh.gen.ts` below `root` if its content changed; says whether it did. */
export async function writeManifest(root: string): Promise<boolean> {
  const path = `${root}/fresh.gen.ts`;
  const text = await generateManifest(root);
  const old = await Deno.readTextFile(path).catch(() => "");
  if (old === text) return false;
  await Deno.writeTextFile(path, text);
  return true;
}

/**
 * Runs the development command given in `Deno.args[0]` for the app at
 * `rootUrl`, whose server entry is `entrypoint` (relative to the root).
 */
export async function dev(
  rootUrl: URL,
  entrypoint: string,
  config: FreshConfig,
): Promise<void> {
  const root = decodeURIComponent(rootUrl.pathname).replace(/\/$/, "");
  const command = Deno.args[0] ?? "serve";
  if (!["manifest", "build", "serve"].includes(command)) {
    console.error(
      `Unknown command "${command}": use manifest, build, or nothing to serve.`,
    );
    Deno.exit(2);
  }
  if (await writeManifest(root)) console.log("Updated fresh.gen.ts");
  if (command === "manifest") return;
  const started = performance.now();
  const snapshot = await build(
    root,
    await collectFiles(root, "islands"),
    config,
  );
  console.log(
    `Built ${snapshot.files.length} bundle files (build ${snapshot.buildId}) in ${
      Math.round(performance.now() - started)
    } ms`,
  );
  if (command === "build") return;
  await import(new URL(entrypoint, rootUrl).href);
}
