/** The ahead-of-time build in `_fresh/`: bundles plus a `snapshot.json` describing them. */

/** What `snapshot.json` records. */
export interface Snapshot {
  buildId: string;
  /** Path of the client runtime's bundle, relative to the build folder. */
  main: string;
  /** Bundle path of each island file, by manifest key. */
  islands: Record<string, string>;
  /** Every bundle file, relative to the build folder. */
  files: string[];
  /** What each plugin's `build` returned, by plugin name. */
  plugins: Record<string, unknown>;
}

/** A build loaded into memory, ready to serve without touching the disk again. */
export interface LoadedBuild {
  snapshot: Snapshot;
  files: Map<string, Uint8Array<ArrayBuffer>>;
}

/** The name of the file that describes a build. */
export const SNAPSHOT_FILE = "snapshot.json";

/** Loads a build folder, or returns `undefined` when there is none. */
export async function loadBuild(
  outDir: string,
): Promise<LoadedBuild | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${outDir}/${SNAPSHOT_FILE}`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const snapshot = JSON.parse(text) as Snapshot;
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const file of snapshot.files) {
    files.set(file, await Deno.readFile(`${outDir}/${file}`));
  }
  return { snapshot, files };
}
