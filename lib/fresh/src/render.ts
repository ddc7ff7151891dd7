/**
 * Server rendering of a page: the app wrapper, layouts and page rendered to
 * HTML, each island wrapped in comment markers, and, for pages with islands,
 * a JSON state (island modules and serialized props) and the client runtime
 * that revives them; plugins add to the head.
 */
import { type ComponentType, Fragment, h, options, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { HeadContext } from "./head_context.ts";
import { closeMarker, openMarker } from "./markers.ts";
import { serializeProps } from "./serializer.ts";
import type { Plugin } from "./types.ts";

/** An island component and where its bundle is. */
export interface Island {
  /** Lowercased file name, `_`, export name: `callinterface_default`. */
  id: string;
  /** The manifest key of its file, e.g. `./islands/CallInterface.tsx`. */
  file: string;
  exportName: string;
  component: ComponentType;
}

/** Lists the islands of a manifest's island modules. */
export function collectIslands(
  modules: Record<string, Record<string, unknown>>,
): Island[] {
  const islands: Island[] = [];
  for (const [file, mod] of Object.entries(modules)) {
    const base = file.slice(file.lastIndexOf("/") + 1).replace(
      /\.[jt]sx?$/,
      "",
    );
    for (const [exportName, value] of Object.entries(mod)) {
      if (typeof value !== "function") continue;
      islands.push({
        id: `${base.toLowerCase().replace(/[^a-z0-9_$]/g, "_")}_${exportName}`,
        file,
        exportName,
        component: value as ComponentType,
      });
    }
  }
  return islands;
}

/** preact-render-to-string writes a Fragment with this prop as an HTML comment. */
const Comment = Fragment as unknown as ComponentType<
  { UNSTABLE_comment: string }
>;

interface PageRender {
  props: unknown[];
  used: Set<Island>;
}

const islandsByComponent = new Map<unknown, Island>();
let current: PageRender | undefined;
let wrapping = false;

const previousVnodeHook = options.vnode;
options.vnode = (vnode: VNode) => {
  const island = islandsByComponent.get(vnode.type);
  if (island && current && !wrapping) {
    const page = current;
    const key = vnode.key == null ? "" : String(vnode.key);
    vnode.type = function IslandMarker(props: Record<string, unknown>) {
      const index = page.props.push(withoutChildren(props)) - 1;
      page.used.add(island);
      wrapping = true;
      const inner = h(island.component, props);
      wrapping = false;
      return h(
        Fragment,
        null,
        h(Comment, { UNSTABLE_comment: openMarker(island.id, index, key) }),
        inner,
        h(Comment, { UNSTABLE_comment: closeMarker(island.id, index, key) }),
      );
    } as ComponentType;
  }
  previousVnodeHook?.(vnode);
};

function withoutChildren(
  props: Record<string, unknown>,
): Record<string, unknown> {
  const { children: _children, ...rest } = props;
  return rest;
}

/** Makes the renderer recognise these islands. */
export function registerIslands(islands: Island[]): void {
  for (const island of islands) {
    islandsByComponent.set(island.component, island);
  }
}

/** Where the browser finds the bundles of a build. */
export interface BundleLocation {
  /** URL prefix, e.g. `/_frsh/js/3f2a…` */
  base: string;
  /** Path of the client runtime below `base`. */
  main: string;
  /** Path of each island file's bundle below `base`, by manifest key. */
  islands: Record<string, string>;
}

/** Everything `renderPage` needs besides the page itself. */
export interface RenderOptions {
  /** The page wrapped in `_app` and layouts. */
  // deno-lint-ignore no-explicit-any
  root: VNode<any>;
  plugins: Plugin[];
  pluginData: Record<string, unknown>;
  bundles: BundleLocation | undefined;
}

/** Where each used island's module is: `{ id: [url, exportName] }`. */
function islandTable(
  used: Island[],
  bundles: BundleLocation,
): Record<string, [string, string]> {
  const table: Record<string, [string, string]> = {};
  for (const island of used) {
    const path = bundles.islands[island.file];
    if (!path) {
      throw new Error(
        `The build has no bundle for ${island.file}: run \`deno task build\``,
      );
    }
    table[island.id] = [`${bundles.base}/${path}`, island.exportName];
  }
  return table;
}

function insertBefore(html: string, tag: string, text: string): string {
  const at = html.lastIndexOf(tag);
  return at === -1 ? html + text : html.slice(0, at) + text + html.slice(at);
}

/** Renders a page to a complete HTML document. */
export function renderPage(opts: RenderOptions): string {
  const page: PageRender = { props: [], used: new Set() };
  const head: VNode[] = [];
  current = page;
  let html: string;
  try {
    html = renderToString(h(HeadContext.Provider, { value: head }, opts.root));
  } finally {
    current = undefined;
  }
  let headHtml = head.length ? renderToString(h(Fragment, null, head)) : "";
  for (const plugin of opts.plugins) {
    const result = plugin.render?.({
      html,
      buildData: opts.pluginData[plugin.name],
    });
    for (const style of result?.styles ?? []) {
      const id = style.id ? ` id="${style.id}"` : "";
      headHtml += `<style${id}>${
        style.cssText.replace(/<\/style/gi, "<\\/style")
      }</style>`;
    }
  }
  if (page.used.size > 0) {
    if (!opts.bundles) {
      throw new Error(
        "This page has islands but no build was found: run `deno task build`",
      );
    }
    const islands = islandTable([...page.used], opts.bundles);
    const main = `${opts.bundles.base}/${opts.bundles.main}`;
    for (
      const url of new Set([
        main,
        ...Object.values(islands).map(([url]) => url),
      ])
    ) {
      headHtml += `<link rel="modulepreload" href="${url}">`;
    }
    // No inline JavaScript, so a Content-Security-Policy of `script-src 'self'` holds.
    html = insertBefore(
      html,
      "</body>",
      `<script id="__FRSH_STATE" type="application/json">{"islands":${
        JSON.stringify(islands).replace(/</g, "\\u003c")
      },"props":${
        serializeProps(page.props)
      }}</script><script type="module" src="${main}"></script>`,
    );
  }
  html = insertBefore(html, "</head>", headHtml);
  return `<!DOCTYPE html>${html}`;
}
