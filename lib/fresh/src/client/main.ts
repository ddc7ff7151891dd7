/**
 * The browser side of islands, loaded only by pages with islands. It reads
 * the page's `__FRSH_STATE` (each island's module and the props of every
 * island instance), imports the island modules and hydrates each island in
 * place between its comment markers.
 */
import { type ComponentType, h, hydrate } from "preact";
import { signal } from "@preact/signals";
import { deserialize } from "../serializer.ts";
import { closeMarker, parseMarker } from "../markers.ts";

/** What the server writes into `__FRSH_STATE`. */
interface PageState {
  /** Island id → [module URL, export name]. */
  islands: Record<string, [string, string]>;
  props: Record<string, unknown>[];
}

/**
 * A stand-in parent that makes Preact see only the nodes between two markers,
 * so an island can be hydrated in place among its siblings.
 */
function rangeParent(parent: Node, start: Comment, end: Comment): Node {
  const childNodes: Node[] = [];
  for (
    let node = start.nextSibling;
    node && node !== end;
    node = node.nextSibling
  ) {
    childNodes.push(node);
  }
  const range = {
    nodeType: 1,
    parentNode: parent,
    ownerDocument: parent.ownerDocument,
    namespaceURI: (parent as Element).namespaceURI,
    get firstChild() {
      return childNodes[0] ?? null;
    },
    childNodes,
    insertBefore(node: Node, before: Node | null) {
      parent.insertBefore(node, before ?? end);
      if (!childNodes.includes(node)) childNodes.push(node);
      return node;
    },
    appendChild(node: Node) {
      return range.insertBefore(node, null);
    },
    removeChild(node: Node) {
      parent.removeChild(node);
      childNodes.splice(childNodes.indexOf(node), 1);
      return node;
    },
    contains(node: Node) {
      return childNodes.includes(node);
    },
  };
  return range as unknown as Node;
}

async function revive(): Promise<void> {
  const script = document.getElementById("__FRSH_STATE");
  if (!script) return;
  const state = deserialize(script.textContent ?? "{}", signal) as PageState;
  const urls = [...new Set(Object.values(state.islands).map(([url]) => url))];
  const modules = new Map(
    await Promise.all(
      urls.map(async (url) => [url, await import(url)] as const),
    ),
  );
  const walker = document.createTreeWalker(
    document.body,
    NodeFilter.SHOW_COMMENT,
  );
  const found: {
    start: Comment;
    end: Comment;
    island: ComponentType;
    props: unknown;
  }[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const marker = parseMarker((node as Comment).data);
    const entry = marker && state.islands[marker.id];
    if (!marker || !entry) continue;
    const island = modules.get(entry[0])?.[entry[1]] as
      | ComponentType
      | undefined;
    if (!island) continue;
    const closing = closeMarker(marker.id, marker.index, marker.key);
    let end = node.nextSibling;
    while (
      end &&
      !(end.nodeType === Node.COMMENT_NODE && (end as Comment).data === closing)
    ) {
      end = end.nextSibling;
    }
    if (!end) continue;
    found.push({
      start: node as Comment,
      end: end as Comment,
      island,
      props: state.props[marker.index],
    });
  }
  for (const { start, end, island, props } of found) {
    hydrate(
      h(island, props as Record<string, unknown>),
      rangeParent(start.parentNode!, start, end),
    );
  }
}

revive();
