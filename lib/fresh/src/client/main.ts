/**
 * The browser side of islands: finds each island's comment markers and
 * renders the island there with its props. Loaded only by pages with islands.
 */
import { type ComponentType, h, hydrate } from "preact";
import { signal } from "@preact/signals";
import { deserializeProps } from "../serializer.ts";
import { closeMarker, parseMarker } from "../markers.ts";

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

/** Revives every island on the page; `islands` maps island ids to components. */
export function revive(islands: Record<string, ComponentType>): void {
  const state = document.getElementById("__FRSH_STATE");
  const props = state
    ? deserializeProps(state.textContent ?? "[]", signal)
    : [];
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
    const island = marker && islands[marker.id];
    if (!marker || !island) continue;
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
      props: props[marker.index],
    });
  }
  for (const { start, end, island, props } of found) {
    hydrate(
      h(island, props as Record<string, unknown>),
      rangeParent(start.parentNode!, start, end),
    );
  }
}
