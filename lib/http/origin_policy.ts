/**
 * Which pages may act on this server with their user's cookies and network
 * position: open the signaling socket, or sign in. A page must be on the
 * server's own host (any scheme, so a TLS-terminating proxy in front
 * changes nothing), or on an origin configured in `NEXUS_ALLOWED_ORIGINS`.
 * Since a page that rebinds its own name to this server by DNS controls the
 * Host header too, an unconfigured host must be an address or a loopback
 * name, which DNS cannot rebind, unless host names are trusted.
 * @module
 */

/** The settings the policy reads. */
export interface OriginPolicy {
  /** Origins allowed; empty means the server's own host. */
  allowedOrigins: string[];
  /**
   * Whether a page's host name (not only an address or a loopback name) is
   * taken as this server's own when no origins are configured: true where a
   * name rebound to this server by DNS cannot reach it (TLS served here, whose
   * certificate the name would fail; Deno Deploy, which routes by name).
   */
  trustHostNames: boolean;
}

/** Why a page's origin is refused: `hostName` set when only its being a name is the matter. */
export interface ForeignOrigin {
  origin: string;
  hostName?: string;
}

/** Whether `hostname` (as in a URL) names this machine by loopback or is an address. */
function isAddressOrLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") ||
    hostname.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The request's `Origin` when the policy refuses it, else null. Requests
 * without an Origin header come from programs, not pages, and cannot be
 * cross-site forged; they pass.
 */
export function foreignOrigin(
  req: Request,
  policy: OriginPolicy,
): ForeignOrigin | null {
  const origin = req.headers.get("origin");
  if (origin === null) return null;
  if (policy.allowedOrigins.length > 0) {
    return policy.allowedOrigins.includes(origin) ? null : { origin };
  }
  let page: URL;
  try {
    page = new URL(origin);
  } catch {
    return { origin };
  }
  if (page.host !== (req.headers.get("host") ?? new URL(req.url).host)) {
    return { origin };
  }
  if (policy.trustHostNames || isAddressOrLoopback(page.hostname)) return null;
  return { origin: `${page.protocol}//${page.host}`, hostName: page.host };
}
