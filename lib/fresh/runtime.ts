/**
 * `$fresh/runtime.ts`: what both server and island code may import.
 * @module
 */
import { type ComponentChildren, type VNode } from "preact";
import { useContext } from "preact/hooks";
import { buildId } from "./src/build_id.ts";
import { HeadContext } from "./src/head_context.ts";
import { CACHE_BUST_PARAM } from "./src/static_files.ts";

/** True in the browser, false while rendering on the server. */
export const IS_BROWSER = typeof document !== "undefined";

/**
 * Adds the build id to the URL of a file in `static/`, so the browser may
 * cache it for good. Other URLs are returned unchanged.
 */
export function asset(path: string): string {
  if (!path.startsWith("/") || path.startsWith("//") || !buildId()) return path;
  const url = new URL(path, "http://fresh");
  url.searchParams.set(CACHE_BUST_PARAM, buildId());
  return url.pathname + url.search + url.hash;
}

/** Puts its children into the page's `<head>` when rendered on the server. */
export function Head(props: { children?: ComponentChildren }): null {
  const head = useContext(HeadContext);
  if (head && props.children) head.push(props.children as VNode);
  return null;
}
