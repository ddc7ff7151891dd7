/**
 * What a test needs from its surroundings. A bare `deno test` runs with no
 * permissions: tests that need some are reported as ignored, with the
 * command that runs them. Outside CI, a test whose service (Chromium, Redis,
 * coturn) is not installed is ignored with the line that installs it; in CI
 * (`CI=true`) it runs, and fails.
 */

const granted = (name: Deno.PermissionName) =>
  Deno.permissions.querySync({ name }).state === "granted";

/** Whether the process has every permission the integration tests use. */
export const hasAllPermissions =
  (["read", "write", "net", "env", "run", "sys"] as const).every(granted);

/** Whether this run is CI's. */
export const inCI = hasAllPermissions && Deno.env.get("CI") === "true";

const notes = new Set<string>();

function noteOnce(note: string): void {
  if (notes.has(note)) return;
  notes.add(note);
  console.log(`note: ${note}`);
}

/** `ignore` for a test that needs the full permissions `deno task test` grants. */
export function needsPermissions(): boolean {
  if (hasAllPermissions) return false;
  noteOnce(
    "tests that use sockets, files or processes are ignored here: run `deno task test` (it grants their permissions)",
  );
  return true;
}

/** A program a test needs, and how a Debian machine gets it. */
export interface Service {
  name: string;
  path: string;
  install: string;
}

/** Debian's Chromium, as the browser tests drive it. */
export const CHROMIUM: Service = {
  name: "Chromium",
  path: "/usr/bin/chromium",
  install: "apt-get install chromium",
};

/** Debian's Firefox ESR, driven over WebDriver BiDi in the cross-browser tests. */
export const FIREFOX: Service = {
  name: "Firefox ESR",
  path: "/usr/bin/firefox-esr",
  install: "apt-get install firefox-esr",
};

/** NSS's certutil, which makes the lab's test CA trusted in a Firefox profile. */
export const CERTUTIL: Service = {
  name: "certutil",
  path: "/usr/bin/certutil",
  install: "apt-get install libnss3-tools",
};

/** Debian's coturn, the TURN server the relay tests start. */
export const COTURN: Service = {
  name: "coturn",
  path: "/usr/bin/turnserver",
  install: "apt-get install coturn",
};

/** Debian's Redis, the shared engine of the scale-out tests. */
export const REDIS: Service = {
  name: "Redis",
  path: "/usr/bin/redis-server",
  install: "apt-get install redis-server",
};

/** `ip` (iproute2), which makes the lab's namespaces. */
export const IPROUTE2: Service = {
  name: "iproute2",
  path: "/usr/sbin/ip",
  install: "apt-get install iproute2",
};

/** `nft`, which makes the lab's NAT routers and firewalls. */
export const NFTABLES: Service = {
  name: "nftables",
  path: "/usr/sbin/nft",
  install: "apt-get install nftables",
};

/**
 * `ignore` for a test in the network lab: it makes network namespaces, so it
 * needs root besides these services; outside CI it is ignored without.
 */
export function needsLab(...services: Service[]): boolean {
  if (needsService(IPROUTE2, NFTABLES, ...services)) return true;
  if (inCI || Deno.uid() === 0) return false;
  noteOnce(
    "the network lab's tests are ignored: they make network namespaces, which needs root (run them as root, as CI does)",
  );
  return true;
}

/** `ignore` for a test that needs these services: never in CI, where a missing one fails. */
export function needsService(...services: Service[]): boolean {
  if (needsPermissions()) return true;
  if (inCI) return false;
  const missing = services.filter((service) => {
    try {
      Deno.statSync(service.path);
      return false;
    } catch {
      return true;
    }
  });
  for (const service of missing) {
    noteOnce(
      `${service.name} not found at ${service.path}; its tests are ignored. Install it: ${service.install}`,
    );
  }
  return missing.length > 0;
}

/** Debian's nginx, the reverse proxy the README documents. */
export const NGINX: Service = {
  name: "nginx",
  path: "/usr/sbin/nginx",
  install: "apt-get install nginx-light",
};
