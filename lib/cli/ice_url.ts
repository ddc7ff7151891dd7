/**
 * A STUN or TURN URL taken apart (RFC 7064, RFC 7065): scheme, host, port
 * and transport, with the defaults a browser applies.
 * @module
 */

/** A STUN or TURN URL taken apart. */
export interface IceUrl {
  url: string;
  scheme: "stun" | "turn" | "turns";
  host: string;
  port: number;
  transport: "udp" | "tcp" | "tls";
}

/** Takes a `stun:`, `turn:` or `turns:` URL apart; `null` for anything else. */
export function parseIceUrl(url: string): IceUrl | null {
  const match = url.match(
    /^(stuns?|turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/,
  );
  if (!match) return null;
  const scheme = match[1] === "stuns" ? "stun" : match[1] as IceUrl["scheme"];
  const host = match[2].replace(/^\[|\]$/g, "");
  const tls = match[1] === "turns" || match[1] === "stuns";
  return {
    url,
    scheme,
    host,
    port: Number(match[3] ?? (tls ? 5349 : 3478)),
    transport: tls ? "tls" : (match[4] as "udp" | "tcp" | undefined) ?? "udp",
  };
}
