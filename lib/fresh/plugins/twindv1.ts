/**
 * `$fresh/plugins/twindv1.ts`: Tailwind-style classes by twind v1.
 *
 * Like Fresh's twind plugin, each page's CSS is generated on the server and
 * inlined as one `<style>`. Fresh also runs twind in the browser (17.6 KB
 * gzip) so that islands can add classes at run time; instead, the build scans
 * the island and component sources for class names, as Tailwind scans its
 * content, and every page's sheet includes the rules for them, so islands can
 * add classes at run time with no twind in the browser.
 * @module
 */
import {
  defineConfig,
  extract,
  type Preset,
  twind,
  type TwindUserConfig,
  virtual,
} from "@twind/core";
import type { Plugin } from "../server.ts";

// deno-lint-ignore no-explicit-any
type AnyPreset = Preset<any>;

/** Options of the twind plugin: a twind config plus where class names are used. */
export interface TwindPluginOptions<Theme, Presets extends AnyPreset[]> {
  config: TwindUserConfig<Theme, Presets>;
  /** Folders below the app's root whose sources may hold class names. */
  content?: string[];
}

/**
 * Every token in string literals of a source text that could be a class
 * name. A template literal may run over several lines (as the formatter
 * breaks a long one at its `${…}`), and the classes after its first line
 * count too: a component's focus ring was lost so once.
 */
export function classCandidates(source: string): string[] {
  const tokens = new Set<string>();
  for (
    const match of source.matchAll(
      /(["'])((?:(?!\1)[^\\\n]|\\.)*)\1|`((?:[^`\\]|\\.)*)`/g,
    )
  ) {
    // A template's own quoted strings (inside its `${…}`) are split at their quotes.
    for (const token of (match[2] ?? match[3]).split(/[\s"']+/)) {
      if (/^[!-~]+$/.test(token) && !token.includes("${")) tokens.add(token);
    }
  }
  return [...tokens];
}

async function scan(folder: string, tokens: Set<string>): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(folder));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const entry of entries) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory) await scan(path, tokens);
    else if (
      /\.[jt]sx?$/.test(entry.name) && !/_test\.[jt]sx?$/.test(entry.name)
    ) {
      for (const token of classCandidates(await Deno.readTextFile(path))) {
        tokens.add(token);
      }
    }
  }
}

/** The twind plugin. */
export default function twindPlugin<Theme, Presets extends AnyPreset[]>(
  options: TwindPluginOptions<Theme, Presets>,
): Plugin {
  const tw = twind(defineConfig(options.config), virtual());
  let primed = false;
  return {
    name: "twind",
    async build({ root }) {
      const tokens = new Set<string>();
      for (const folder of options.content ?? ["islands", "components"]) {
        await scan(`${root}/${folder}`, tokens);
      }
      return [...tokens].sort();
    },
    render({ html, buildData }) {
      if (!primed && Array.isArray(buildData)) {
        // One at a time: joined, a token such as `Math.max(1,` opens a twind group that swallows the rest.
        for (const candidate of buildData) tw(String(candidate));
      }
      primed = true;
      const { css } = extract(html, tw);
      return { styles: [{ cssText: css, id: "__FRSH_TWIND" }] };
    },
  };
}
