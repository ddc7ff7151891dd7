import assert from "node:assert/strict";
import {
  comparePatterns,
  pathToPattern,
  routeFileKind,
} from "./route_pattern.ts";

Deno.test("file names become URL patterns", () => {
  const table: [string, string][] = [
    ["./routes/index.tsx", "/"],
    ["./routes/ws.ts", "/ws"],
    ["./routes/about.tsx", "/about"],
    ["./routes/blog/index.tsx", "/blog"],
    ["./routes/users/[id].tsx", "/users/:id"],
    ["./routes/users/[id]/edit.tsx", "/users/:id/edit"],
    ["./routes/files/[...path].ts", "/files/:path*"],
    ["./routes/docs/[[version]].tsx", "/docs{/:version}?"],
    ["./routes/(marketing)/pricing.tsx", "/pricing"],
    ["./routes/(marketing)/index.tsx", "/"],
    ["./routes/shop/[a]-[b].tsx", "/shop/:a-:b"],
  ];
  for (const [file, pattern] of table) {
    assert.equal(pathToPattern(file), pattern, file);
  }
});

Deno.test("special files are told apart", () => {
  assert.equal(routeFileKind("./routes/_app.tsx"), "app");
  assert.equal(routeFileKind("./routes/admin/_layout.tsx"), "layout");
  assert.equal(routeFileKind("./routes/_middleware.ts"), "middleware");
  assert.equal(routeFileKind("./routes/_404.tsx"), "notFound");
  assert.equal(routeFileKind("./routes/_500.tsx"), "error");
  assert.equal(routeFileKind("./routes/about.tsx"), "route");
});

Deno.test("the more specific of two patterns that match one path is tried first", () => {
  const pairs: [string, string][] = [
    ["/users/new", "/users/:id"],
    ["/users/:id", "/users/:rest*"],
    ["/", "/:path*"],
    ["/docs", "/docs{/:version}?"],
    ["/users/:id/edit", "/:path*"],
  ];
  for (const [first, second] of pairs) {
    assert.ok(comparePatterns(first, second) < 0, `${first} before ${second}`);
    assert.ok(comparePatterns(second, first) > 0, `${second} after ${first}`);
  }
});
