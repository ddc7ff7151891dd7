import type { FreshContext } from "$fresh/server.ts";
import { clientAddress } from "../lib/http/client_address.ts";
import { server, type ServerParts } from "../lib/server/server.ts";

/**
 * Only this app's own scripts run (the page has no inline JavaScript); styles
 * are inlined by twind; media and sockets stay on this origin; nobody frames
 * the page; camera and microphone are for this origin alone.
 */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
  "permissions-policy":
    "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()",
  "x-content-type-options": "nosniff",
  // Sign-in links carry a token in the URL; no other site may see it.
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** What every route may read of a request, in `ctx.state`. */
export interface RequestState {
  /** The client's address: the socket's, or a trusted proxy's word for it. */
  clientAddress: string;
  /** This server's parts (`lib/server/server.ts`), made once from its settings. */
  server: ServerParts;
}

/** Puts what routes read into `ctx.state`, and adds the security headers. */
export async function handler(
  req: Request,
  ctx: FreshContext<RequestState>,
) {
  const parts = server();
  ctx.state.server = parts;
  ctx.state.clientAddress = clientAddress(
    req,
    ctx.remoteAddr.hostname,
    parts.config.trustedProxies,
  );
  const response = await ctx.next();
  // A WebSocket upgrade passes through untouched.
  if (response.status === 101) return response;
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (!response.headers.has(name)) response.headers.set(name, value);
  }
  return response;
}
