import type { ComponentType } from "preact";

/** A route module as Fresh loads it: a `handler`, a page component, or both. */
export interface RouteModule {
  // deno-lint-ignore no-explicit-any
  default?: ComponentType<PageProps<any, any>>;
  // deno-lint-ignore no-explicit-any
  handler?: Handler<any, any> | Handlers<any, any>;
}

/** An island module: every exported function component is an island. */
export type IslandModule = Record<string, unknown>;

/** The generated `fresh.gen.ts`. */
export interface Manifest {
  routes: Record<string, RouteModule>;
  islands: Record<string, IslandModule>;
  baseUrl: string;
}

/** What the build hands to a plugin, and what a plugin may leave for the server. */
export interface PluginBuildContext {
  /** The app's root folder, as a file path. */
  root: string;
}

/** A page as a plugin sees it, after rendering and before it is sent. */
export interface PluginRenderContext {
  html: string;
  /** What the plugin's `build` returned, read back from the snapshot. */
  buildData: unknown;
}

/** What a plugin adds to a page. */
export interface PluginRenderResult {
  styles?: { cssText: string; id?: string }[];
}

/** A Fresh plugin: work at build time and additions to each rendered page. */
export interface Plugin {
  name: string;
  build?(ctx: PluginBuildContext): unknown | Promise<unknown>;
  render?(ctx: PluginRenderContext): PluginRenderResult;
}

/** The app's configuration, as given to `start`, `createHandler` and `dev`. */
export interface FreshConfig {
  plugins?: Plugin[];
  /** Told of every error a request's handler threw; logged to stderr by default. */
  onError?(error: unknown, req: Request): void;
  build?: {
    /** Where `deno task build` writes the bundles; relative to the app's root. Default `_fresh`. */
    outDir?: string;
  };
  server?: {
    port?: number;
    hostname?: string;
    onListen?: (addr: Deno.NetAddr) => void;
    /** PEM certificate and key: serve HTTPS (and WSS) directly. */
    cert?: string;
    key?: string;
    signal?: AbortSignal;
  };
}

/** The request context every handler, middleware and page receives. */
export interface FreshContext<State = Record<string, unknown>, Data = unknown> {
  url: URL;
  params: Record<string, string>;
  /** The route's pattern, e.g. `/users/:id`. */
  route: string;
  state: State;
  remoteAddr: Deno.NetAddr;
  data: Data;
  /** Set on `_500` pages: what was thrown. */
  error?: unknown;
  /** Set on `_app` and `_layout`: the component to render inside. */
  Component: ComponentType<Record<never, never>>;
  render(data?: Data, init?: ResponseInit): Promise<Response>;
  renderNotFound(data?: Data): Promise<Response>;
  /** In middleware: the response of whatever comes next. */
  next(): Promise<Response>;
}

/** What a page component receives: the context without its actions. */
export type PageProps<T = unknown, S = Record<string, unknown>> = Omit<
  FreshContext<S, T>,
  "render" | "next" | "renderNotFound"
>;

/** One function that answers a request. */
export type Handler<T = unknown, State = Record<string, unknown>> = (
  req: Request,
  ctx: FreshContext<State, T>,
) => Response | Promise<Response>;

/** The HTTP methods a route may answer. */
export type KnownMethod =
  | "GET"
  | "HEAD"
  | "POST"
  | "PUT"
  | "DELETE"
  | "PATCH"
  | "OPTIONS";

/** Handlers keyed by method. */
export type Handlers<T = unknown, State = Record<string, unknown>> = {
  [M in KnownMethod]?: Handler<T, State>;
};

/** A `_middleware` module. */
export interface MiddlewareModule {
  // deno-lint-ignore no-explicit-any
  handler: Handler<any, any> | Handler<any, any>[];
}
