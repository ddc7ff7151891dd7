/** How a route file's path turns into a URL pattern, and how routes are ordered. */

/** The kind of file a path in `routes/` is. */
export type RouteFileKind =
  | "route"
  | "app"
  | "layout"
  | "middleware"
  | "notFound"
  | "error";

const SPECIAL_FILES: Record<string, RouteFileKind> = {
  _app: "app",
  _layout: "layout",
  _middleware: "middleware",
  _404: "notFound",
  _500: "error",
};

/** Which kind of file `./routes/…` is, by its base name. */
export function routeFileKind(path: string): RouteFileKind {
  const base = path.slice(path.lastIndexOf("/") + 1).replace(/\.[jt]sx?$/, "");
  return SPECIAL_FILES[base] ?? "route";
}

/**
 * Turns a manifest key such as `./routes/users/[id].tsx` into a URLPattern
 * pathname: `index` → the folder, `[id]` → `:id`, `[...rest]` → `:rest*`,
 * `[[opt]]` → `{/:opt}?`, `(group)` folders dropped.
 */
export function pathToPattern(path: string): string {
  const segments = path
    .replace(/^\.\/routes\//, "")
    .replace(/\.[jt]sx?$/, "")
    .split("/")
    .filter((segment) => !/^\(.+\)$/.test(segment));
  if (segments.at(-1) === "index") segments.pop();
  let pattern = "";
  for (const segment of segments) {
    const optional = segment.match(/^\[\[([^\]]+)\]\]$/);
    const rest = segment.match(/^\[\.\.\.([^\]]+)\]$/);
    if (optional) {
      pattern += `{/:${optional[1]}}?`;
    } else if (rest) {
      pattern += `/:${rest[1]}*`;
    } else {
      pattern += "/" + segment.replace(/\[([^\]]+)\]/g, ":$1");
    }
  }
  return pattern === "" ? "/" : pattern;
}

/**
 * Orders patterns so that the most specific one is tried first: static
 * segments before parameters, parameters before optional and catch-all ones.
 */
export function comparePatterns(a: string, b: string): number {
  const rank = (pattern: string) =>
    pattern.replaceAll("{/", "/{").split("/").map((segment) =>
      segment.endsWith("*") || segment.endsWith("?")
        ? 2
        : segment.includes(":")
        ? 1
        : 0
    );
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    if (ra[i] !== rb[i]) return ra[i] - rb[i];
  }
  // A pattern that is a prefix of another can only share paths with it through an optional tail.
  return ra.length - rb.length || a.localeCompare(b);
}
