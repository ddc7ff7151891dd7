/**
 * Whether a push endpoint a browser brought may be posted to: the server
 * sends requests there, so an endpoint is a way to make it reach inside its
 * own network (server-side request forgery). Only `https` on a host whose
 * every address is public passes, unless the operator allowed the host.
 * @module
 */
import ipaddr from "ipaddr.js";

/** Resolves a host name to its addresses (A and AAAA). */
export type Resolve = (host: string) => Promise<string[]>;

/** Resolves with the system's DNS; no address when a record type has none. */
export const resolveWithDns: Resolve = async (host) => {
  const [v4, v6] = await Promise.all(
    (["A", "AAAA"] as const).map((type) =>
      Deno.resolveDns(host, type).catch(() => [] as string[])
    ),
  );
  return [...v4, ...v6];
};

/** Whether an address is on the public internet (not loopback, private, link-local, …). */
function isPublic(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return parsed.range() === "unicast";
}

/**
 * Why `endpoint` may not be posted to, in words; null when it may.
 * `allowedHosts` holds `host:port` entries that may resolve anywhere.
 */
export async function endpointRefusal(
  endpoint: string,
  allowedHosts: ReadonlySet<string>,
  resolve: Resolve = resolveWithDns,
): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "The push endpoint is not a URL.";
  }
  if (url.protocol !== "https:") {
    return "The push endpoint must be an https URL.";
  }
  if (url.username || url.password) {
    return "The push endpoint must not carry a user name or password.";
  }
  const port = url.port || "443";
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (allowedHosts.has(`${host}:${port}`)) return null;
  const addresses = ipaddr.isValid(host) ? [host] : await resolve(host);
  if (addresses.length === 0) {
    return "The push endpoint's host has no address.";
  }
  if (!addresses.every(isPublic)) {
    return "The push endpoint must be on the public internet, not a loopback, private or link-local address.";
  }
  return null;
}
