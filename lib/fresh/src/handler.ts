/**
 * `createHandler`: the request handler of a Fresh app: bundles, static files,
 * file-system routes with middleware, `_app`, `_404` and `_500`.
 */
import { type ComponentType, h, type VNode } from "preact";
import {
  comparePatterns,
  pathToPattern,
  routeFileKind,
} from "./route_pattern.ts";
import {
  type BundleLocation,
  collectIslands,
  registerIslands,
  renderPage,
} from "./render.ts";
import { loadBuild } from "./snapshot.ts";
import { outDirOf } from "./build.ts";
import { setBuildId } from "./build_id.ts";
import { StaticFiles } from "./static_files.ts";
import type {
  FreshConfig,
  FreshContext,
  Handler,
  KnownMethod,
  Manifest,
  MiddlewareModule,
  RouteModule,
} from "./types.ts";

/** A request handler as Deno.serve calls it. */
export type RequestHandler = (
  req: Request,
  connInfo?: Deno.ServeHandlerInfo,
) => Promise<Response>;

const METHODS: KnownMethod[] = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "PATCH",
  "OPTIONS",
];

/** The URL prefix under which bundles are served. */
export const BUNDLE_PREFIX = "/_frsh/js/";

interface Route {
  pattern: string;
  matcher: URLPattern;
  module: RouteModule;
}

interface Middleware {
  /** The folder it applies to, as a path prefix: `/` or `/api/`. */
  scope: string;
  // deno-lint-ignore no-explicit-any
  handlers: Handler<any, any>[];
}

// deno-lint-ignore no-explicit-any
type AnyContext = FreshContext<any, any>;
// deno-lint-ignore no-explicit-any
type PageComponent = ComponentType<any>;

function folderOf(file: string): string {
  return "/" + file.replace(/^\.\/routes\//, "").split("/").slice(0, -1)
    .filter((segment) => !/^\(.+\)$/.test(segment)).map((s) => s + "/").join(
      "",
    );
}

function rootFolder(manifest: Manifest): string {
  return decodeURIComponent(new URL(".", manifest.baseUrl).pathname).replace(
    /\/$/,
    "",
  );
}

/** Builds the request handler of an app from its manifest. */
export async function createHandler(
  manifest: Manifest,
  config: FreshConfig = {},
): Promise<RequestHandler> {
  const root = rootFolder(manifest);
  const islands = collectIslands(manifest.islands);
  registerIslands(islands);
  const loaded = await loadBuild(outDirOf(root, config));
  if (!loaded && islands.length > 0) {
    throw new Error(
      `No build found in ${
        outDirOf(root, config)
      }: run \`deno task build\` first`,
    );
  }
  const bundles: BundleLocation | undefined = loaded && {
    base: `${BUNDLE_PREFIX}${loaded.snapshot.buildId}`,
    main: loaded.snapshot.main,
    islands: loaded.snapshot.islands,
  };
  if (loaded) setBuildId(loaded.snapshot.buildId);
  const staticFiles = await StaticFiles.open(`${root}/static`);
  const plugins = config.plugins ?? [];
  const pluginData = loaded?.snapshot.plugins ?? {};

  const routes: Route[] = [];
  const middlewares: Middleware[] = [];
  const layouts: { scope: string; component: PageComponent }[] = [];
  let app: PageComponent | undefined;
  let notFound: PageComponent | undefined;
  let errorPage: PageComponent | undefined;
  for (const [file, module] of Object.entries(manifest.routes)) {
    switch (routeFileKind(file)) {
      case "app":
        app = module.default as PageComponent;
        break;
      case "layout":
        layouts.push({
          scope: folderOf(file),
          component: module.default as PageComponent,
        });
        break;
      case "middleware": {
        const handler = (module as unknown as MiddlewareModule).handler;
        middlewares.push({ scope: folderOf(file), handlers: [handler].flat() });
        break;
      }
      case "notFound":
        notFound = module.default as PageComponent;
        break;
      case "error":
        errorPage = module.default as PageComponent;
        break;
      default: {
        const pattern = pathToPattern(file);
        routes.push({
          pattern,
          matcher: new URLPattern({ pathname: pattern }),
          module,
        });
      }
    }
  }
  routes.sort((a, b) => comparePatterns(a.pattern, b.pattern));
  // A path that is a route's pattern exactly, one without parameters, is
  // that route (nothing is more specific than all-static segments): one
  // lookup instead of a URLPattern tried per route, which cost a tenth of
  // accepting a WebSocket at /ws.
  const staticRoutes = new Map<string, Route>();
  for (const route of routes) {
    if (/[:*?{}()+\\]/.test(route.pattern)) continue;
    if (!staticRoutes.has(route.pattern)) {
      staticRoutes.set(route.pattern, route);
    }
  }
  middlewares.sort((a, b) => a.scope.length - b.scope.length);
  layouts.sort((a, b) => a.scope.length - b.scope.length);

  function render(
    ctx: AnyContext,
    page: PageComponent | undefined,
    status: number,
    init?: ResponseInit,
  ): Response {
    if (!page) {
      return new Response(
        status === 404 ? "Not Found" : "Internal Server Error",
        { status },
      );
    }
    const props = { ...ctx } as Record<string, unknown>;
    delete props.render;
    delete props.next;
    delete props.renderNotFound;
    let inner: VNode = h(page, props);
    const scopes = layouts.filter((layout) =>
      ctx.url.pathname.startsWith(layout.scope) ||
      ctx.url.pathname + "/" === layout.scope
    );
    for (const layout of scopes.reverse()) {
      const child = inner;
      inner = h(layout.component, { ...props, Component: () => child });
    }
    const body = inner;
    const root = app ? h(app, { ...props, Component: () => body }) : body;
    const html = renderPage({ root, plugins, pluginData, bundles });
    const headers = new Headers(init?.headers);
    if (!headers.has("content-type")) {
      headers.set("content-type", "text/html; charset=utf-8");
    }
    return new Response(html, {
      status: init?.status ?? status,
      statusText: init?.statusText,
      headers,
    });
  }

  function contextFor(
    url: URL,
    info: Deno.ServeHandlerInfo | undefined,
  ): AnyContext {
    const ctx: AnyContext = {
      url,
      params: {},
      route: "",
      state: {},
      remoteAddr: (info?.remoteAddr ??
        { transport: "tcp", hostname: "127.0.0.1", port: 0 }) as Deno.NetAddr,
      data: undefined,
      Component: () => null,
      render: () => Promise.reject(new Error("render() is for page routes")),
      renderNotFound: (data?: unknown) => {
        ctx.data = data;
        return Promise.resolve(render(ctx, notFound, 404));
      },
      next: () => Promise.reject(new Error("next() is for middleware")),
    };
    return ctx;
  }

  async function routeResponse(
    module: RouteModule | undefined,
    req: Request,
    ctx: AnyContext,
    status: number,
  ): Promise<Response> {
    const page = module?.default as PageComponent | undefined;
    ctx.render = (data?: unknown, init?: ResponseInit) => {
      ctx.data = data;
      return Promise.resolve(render(ctx, page, status, init));
    };
    const handler = module?.handler;
    if (typeof handler === "function") return await handler(req, ctx);
    const handlers = (handler ?? {}) as Partial<
      Record<KnownMethod, Handler<unknown, unknown>>
    >;
    const method = req.method as KnownMethod;
    const fn = handlers[method] ??
      (method === "HEAD" ? handlers.GET : undefined) ??
      (page && (method === "GET" || method === "HEAD")
        ? () => ctx.render()
        : undefined);
    if (!fn) {
      const allowed = METHODS.filter((m) =>
        handlers[m] || (m === "HEAD" && handlers.GET) ||
        (page && !handlers.GET && (m === "GET" || m === "HEAD"))
      );
      return new Response("Method Not Allowed", {
        status: 405,
        headers: { allow: allowed.join(", ") },
      });
    }
    const response = await fn(req, ctx as FreshContext<unknown, unknown>);
    return method === "HEAD" && response.body
      ? new Response(null, {
        status: response.status,
        headers: response.headers,
      })
      : response;
  }

  async function dispatch(req: Request, ctx: AnyContext): Promise<Response> {
    const url = ctx.url;
    if (url.pathname.startsWith(BUNDLE_PREFIX) && loaded) {
      const prefix = `${BUNDLE_PREFIX}${loaded.snapshot.buildId}/`;
      const file = url.pathname.startsWith(prefix) &&
        loaded.files.get(url.pathname.slice(prefix.length));
      if (file) {
        return new Response(file, {
          headers: {
            "content-type": "text/javascript; charset=utf-8",
            "cache-control": "public, max-age=604800, immutable",
          },
        });
      }
    }
    if (
      (req.method === "GET" || req.method === "HEAD") &&
      staticFiles.has(url.pathname)
    ) {
      return await staticFiles.serve(req, url);
    }
    const exact = staticRoutes.get(url.pathname);
    if (exact) {
      ctx.params = {};
      ctx.route = exact.pattern;
      return await routeResponse(exact.module, req, ctx, 200);
    }
    for (const route of routes) {
      const match = route.matcher.exec({ pathname: url.pathname });
      if (!match) continue;
      ctx.params = Object.fromEntries(
        Object.entries(match.pathname.groups).filter((
          e,
        ): e is [string, string] => e[1] !== undefined),
      );
      ctx.route = route.pattern;
      return await routeResponse(route.module, req, ctx, 200);
    }
    return await ctx.renderNotFound();
  }

  return async (req, info) => {
    const url = new URL(req.url);
    const ctx = contextFor(url, info);
    const chain = middlewares
      .filter((m) =>
        url.pathname.startsWith(m.scope) || url.pathname + "/" === m.scope
      )
      .flatMap((m) => m.handlers);
    const run = async (i: number): Promise<Response> => {
      if (i === chain.length) return await dispatch(req, ctx);
      ctx.next = () => run(i + 1);
      return await chain[i](req, ctx);
    };
    try {
      return await run(0);
    } catch (error) {
      if (config.onError) config.onError(error, req);
      else {console.error(
          `Error answering ${req.method} ${url.pathname}:`,
          error,
        );}
      ctx.error = error;
      try {
        return render(ctx, errorPage, 500);
      } catch (renderError) {
        console.error("The _500 page failed:", renderError);
        return new Response("Internal Server Error", { status: 500 });
      }
    }
  };
}
