/**
 * The client's address, as rate limits and connection caps key on it. Behind
 * a reverse proxy every request comes from the proxy's address, so the
 * proxy's `X-Forwarded-For` is read, and only through proxies the operator
 * named (`NEXUS_TRUSTED_PROXIES`): the client is the right-most hop that is
 * not a trusted proxy. Hops to its left are the client's own word.
 * @module
 */
import ipaddr from "ipaddr.js";

/** Addresses and networks whose `X-Forwarded-For` is believed. */
export type TrustedProxies = ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;

/** An address as one spelling: an IPv4-mapped IPv6 address as its IPv4 one. */
function parsed(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = address.trim().replace(/^\[(.*)\]$/, "$1");
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : null;
}

/**
 * Reads `NEXUS_TRUSTED_PROXIES`: addresses or CIDRs, comma-separated.
 * Throws a sentence naming the first entry that is neither.
 */
export function parseTrustedProxies(text: string): TrustedProxies {
  return text.split(",").map((entry) => entry.trim()).filter(Boolean).map(
    (entry) => {
      try {
        if (entry.includes("/")) return ipaddr.parseCIDR(entry);
        const address = ipaddr.parse(entry);
        return [address, address.kind() === "ipv4" ? 32 : 128];
      } catch {
        throw new Error(
          `"${entry}" is neither an address nor a CIDR (e.g. 10.0.0.0/8, ::1).`,
        );
      }
    },
  );
}

function trusted(address: ipaddr.IPv4 | ipaddr.IPv6, proxies: TrustedProxies) {
  return proxies.some(([network, bits]) =>
    network.kind() === address.kind() && address.match(network, bits)
  );
}

/**
 * The address a request came from: `peer` (the socket's) unless it is a
 * trusted proxy, else the right-most hop of `X-Forwarded-For` that is not
 * one (the left-most if all are). Reading stops at a malformed hop: the
 * hop right of it is taken.
 */
export function clientAddress(
  req: Request,
  peer: string,
  proxies: TrustedProxies,
): string {
  if (proxies.length === 0) return peer;
  const direct = parsed(peer);
  if (!direct || !trusted(direct, proxies)) return peer;
  const hops = (req.headers.get("x-forwarded-for") ?? "").split(",");
  let client = direct;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parsed(hops[i]);
    if (!hop) break;
    client = hop;
    if (!trusted(hop, proxies)) break;
  }
  return client.toString();
}
