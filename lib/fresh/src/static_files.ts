/** Serving the app's `static/` folder. */

const CONTENT_TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  html: "text/html; charset=utf-8",
  ico: "image/x-icon",
  jpg: "image/jpeg",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  png: "image/png",
  svg: "image/svg+xml",
  txt: "text/plain; charset=utf-8",
  webmanifest: "application/manifest+json",
  webp: "image/webp",
  woff2: "font/woff2",
};

/** The content type for a file name, by its extension. */
export function contentType(name: string): string {
  return CONTENT_TYPES[name.slice(name.lastIndexOf(".") + 1)] ??
    "application/octet-stream";
}

/** The query parameter `asset()` adds so that a file may be cached for good. */
export const CACHE_BUST_PARAM = "__frsh_c";

/** Answers requests for files below a `static/` folder. */
export class StaticFiles {
  #folder: string;
  #paths: Set<string>;
  #etags = new Map<string, string>();

  private constructor(folder: string, paths: Set<string>) {
    this.#folder = folder;
    this.#paths = paths;
  }

  /** Lists the files of `folder` (which may be missing). */
  static async open(folder: string): Promise<StaticFiles> {
    const paths = new Set<string>();
    async function walk(prefix: string) {
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(folder + prefix));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return;
        throw error;
      }
      for (const entry of entries) {
        const path = `${prefix}/${entry.name}`;
        if (entry.isDirectory) await walk(path);
        else paths.add(path);
      }
    }
    await walk("");
    return new StaticFiles(folder, paths);
  }

  /** Whether `pathname` names a static file. */
  has(pathname: string): boolean {
    return this.#paths.has(pathname);
  }

  /** The response for a static file that `has` found. */
  async serve(req: Request, url: URL): Promise<Response> {
    const body = await Deno.readFile(this.#folder + url.pathname);
    let etag = this.#etags.get(url.pathname);
    if (!etag) {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", body));
      etag = `"${
        Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0"))
          .join("")
      }"`;
      this.#etags.set(url.pathname, etag);
    }
    const headers = new Headers({
      "content-type": contentType(url.pathname),
      etag,
      "cache-control": url.searchParams.has(CACHE_BUST_PARAM)
        ? "public, max-age=31536000, immutable"
        : "no-cache",
    });
    if (req.headers.get("if-none-match") === etag) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(req.method === "HEAD" ? null : body, { headers });
  }
}
