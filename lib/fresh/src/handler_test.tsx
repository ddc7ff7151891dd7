import assert from "node:assert/strict";
import { signal } from "@preact/signals";
import { createHandler } from "./handler.ts";
import { build } from "./build.ts";
import type { FreshContext, Manifest, PageProps } from "./types.ts";
import { asset } from "../runtime.ts";
import Counter from "../testdata/islands/Counter.tsx";
import { needsPermissions } from "../../../tests/support/environment.ts";

const root = new URL("../testdata/", import.meta.url);

function App({ Component }: PageProps) {
  return (
    <html>
      <head>
        <link rel="icon" href={asset("/hello.txt")} />
      </head>
      <body>
        <Component />
      </body>
    </html>
  );
}

const manifest: Manifest = {
  routes: {
    "./routes/_app.tsx": { default: App },
    "./routes/_404.tsx": { default: () => <p>no such page</p> },
    "./routes/_500.tsx": {
      default: ({ error }: PageProps) => (
        <p>failed: {String((error as Error).message)}</p>
      ),
    },
    "./routes/_middleware.ts": {
      handler: async (_req: Request, ctx: FreshContext) => {
        ctx.state.seen = "yes";
        const response = await ctx.next();
        response.headers.set("x-middleware", "ran");
        return response;
      },
    },
    "./routes/index.tsx": { default: () => <Counter count={signal(5)} /> },
    "./routes/plain.tsx": {
      default: ({ state }: PageProps) => (
        <p>plain page, state {String(state.seen)}</p>
      ),
    },
    "./routes/users/[id].tsx": {
      handler: { GET: (_req, ctx) => ctx.render({ id: ctx.params.id }) },
      default: ({ data, route }: PageProps<{ id: string }>) => (
        <p>user {data.id} via {route}</p>
      ),
    },
    "./routes/users/me.tsx": {
      default: ({ params, route }: PageProps) => (
        <p>me via {route}, {Object.keys(params).length} params</p>
      ),
    },
    "./routes/users/_layout.tsx": {
      default: ({ Component }: PageProps) => (
        <section class="layout">
          <Component />
        </section>
      ),
    },
    "./routes/api/items.ts": {
      handler: { POST: () => new Response("created", { status: 201 }) },
    },
    "./routes/api/any.ts": {
      handler: (req) => new Response(`any ${req.method}`),
    },
    "./routes/boom.tsx": {
      handler: () => {
        throw new Error("kaboom");
      },
    },
    "./routes/missing.tsx": { handler: (_req, ctx) => ctx.renderNotFound() },
  },
  islands: { "./islands/Counter.tsx": { default: Counter } },
  baseUrl: new URL("./fresh.gen.ts", root).href,
};

Deno.test({
  name: "createHandler serves a Fresh app",
  ignore: needsPermissions(),
  async fn(t) {
    const outDir = await Deno.makeTempDir({ prefix: "fresh-test-" });
    try {
      const config = { build: { outDir } };
      const snapshot = await build(
        decodeURIComponent(root.pathname).replace(/\/$/, ""),
        ["./islands/Counter.tsx"],
        config,
      );
      const handler = await createHandler(manifest, config);
      const get = (path: string, init?: RequestInit) =>
        handler(new Request(`http://localhost${path}`, init));

      await t.step(
        "a page with an island: markers, serialized signal, bootstrap",
        async () => {
          const response = await get("/");
          assert.equal(response.status, 200);
          assert.equal(
            response.headers.get("content-type"),
            "text/html; charset=utf-8",
          );
          assert.equal(response.headers.get("x-middleware"), "ran");
          const html = await response.text();
          assert.match(
            html,
            /<!--frsh-counter_default:0:--><button type="button" class="px-2">Count 5<\/button><!--\/frsh-counter_default:0:-->/,
          );
          assert.match(html, /"props":\[\{"count":\{"_f":"s","v":5\}\}\]/);
          assert.ok(
            html.includes(
              `/_frsh/js/${snapshot.buildId}/${
                snapshot.islands["./islands/Counter.tsx"]
              }"`,
            ),
          );
          assert.match(
            html,
            new RegExp(`href="/hello\\.txt\\?__frsh_c=${snapshot.buildId}"`),
          );
        },
      );
      await t.step(
        "bundles are served immutable under the build id",
        async () => {
          const response = await get(
            `/_frsh/js/${snapshot.buildId}/${
              snapshot.islands["./islands/Counter.tsx"]
            }`,
          );
          assert.equal(response.status, 200);
          assert.equal(
            response.headers.get("cache-control"),
            "public, max-age=604800, immutable",
          );
          assert.equal(
            response.headers.get("content-type"),
            "text/javascript; charset=utf-8",
          );
          assert.match(await response.text(), /Count/);
          assert.equal(
            (await get(`/_frsh/js/stale/${snapshot.main}`)).status,
            404,
          );
        },
      );
      await t.step(
        "a page without islands ships no JavaScript; middleware state reaches it",
        async () => {
          const html = await (await get("/plain")).text();
          assert.match(html, /plain page, state yes/);
          assert.ok(!html.includes("<script"));
        },
      );
      await t.step("params, data, route and layouts", async () => {
        const html = await (await get("/users/42")).text();
        assert.match(
          html,
          /<section class="layout"><p>user 42 via \/users\/:id<\/p><\/section>/,
        );
        assert.match(
          await (await get("/users/me")).text(),
          /<section class="layout"><p>me via \/users\/me, 0 params<\/p><\/section>/,
          "a path that is a static route's pattern is that route",
        );
      });
      await t.step("HEAD comes from GET, without a body", async () => {
        const response = await get("/users/7", { method: "HEAD" });
        assert.equal(response.status, 200);
        assert.equal(await response.text(), "");
      });
      await t.step("an unsupported method gets 405 with Allow", async () => {
        let response = await get("/", { method: "POST" });
        assert.equal(response.status, 405);
        assert.equal(response.headers.get("allow"), "GET, HEAD");
        await response.body?.cancel();
        response = await get("/api/items");
        assert.equal(response.status, 405);
        assert.equal(response.headers.get("allow"), "POST");
        await response.body?.cancel();
        assert.equal((await get("/api/items", { method: "POST" })).status, 201);
        assert.equal(
          await (await get("/api/any", { method: "DELETE" })).text(),
          "any DELETE",
        );
      });
      await t.step("an unknown path renders _404 inside _app", async () => {
        for (const path of ["/nope", "/missing"]) {
          const response = await get(path);
          assert.equal(response.status, 404);
          assert.match(
            await response.text(),
            /<body><p>no such page<\/p><\/body>/,
          );
        }
      });
      await t.step("a throwing handler renders _500", async () => {
        const response = await get("/boom");
        assert.equal(response.status, 500);
        assert.match(await response.text(), /failed: kaboom/);
      });
      await t.step(
        "static files: ETag, revalidation, immutable with the build id",
        async () => {
          const response = await get("/hello.txt");
          assert.equal(response.status, 200);
          assert.equal(
            response.headers.get("content-type"),
            "text/plain; charset=utf-8",
          );
          assert.equal(response.headers.get("cache-control"), "no-cache");
          assert.equal(await response.text(), "hello from static\n");
          const etag = response.headers.get("etag")!;
          assert.equal(
            (await get("/hello.txt", { headers: { "if-none-match": etag } }))
              .status,
            304,
          );
          const cached = await get(`/hello.txt?__frsh_c=${snapshot.buildId}`);
          assert.equal(
            cached.headers.get("cache-control"),
            "public, max-age=31536000, immutable",
          );
          await cached.body?.cancel();
        },
      );
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "an app with islands and no build is told to build",
  ignore: needsPermissions(),
  async fn() {
    await assert.rejects(
      () =>
        createHandler(manifest, {
          build: { outDir: "/nonexistent/fresh-build" },
        }),
      /No build found in \/nonexistent\/fresh-build: run `deno task build` first/,
    );
  },
});
