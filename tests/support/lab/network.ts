/**
 * The network lab: an "internet" and the networks people call from, made
 * of Linux network namespaces on this machine. Every address is one of the
 * lab's own, from the documentation ranges, inside its namespaces; nothing
 * leaves the machine.
 *
 * - The internet: 203.0.113.0/24 on one bridge, with the app (203.0.113.10)
 *   and coturn (203.0.113.11) each on a host of its own.
 * - Home networks behind NAT routers: two port-restricted cones (plain
 *   masquerade, which keeps a mapping's port for every destination) and two
 *   symmetric NATs (masquerade with `fully-random`: a new port per
 *   destination). The first home network has two hosts on one LAN.
 * - A corporate network whose router lets out only TCP to port 443.
 *
 * Every router drops new connections arriving on its WAN side, as real
 * routers do: otherwise the peer's first check would leave a conntrack entry
 * on the router, and masquerade would pick another port for the host's own
 * packets. Every namespace has a default route, so that nothing fails with
 * "network unreachable" where a real network would drop silently.
 * @module
 */

/** A network people call from, and how its router treats traffic. */
export type NetworkKind = "cone" | "symmetric" | "corporate";

/** A host in the lab: its namespace and address. */
export interface LabHost {
  name: string;
  namespace: string;
  address: string;
}

/** The lab's fixed addresses. */
export const LAB = {
  app: "203.0.113.10",
  turn: "203.0.113.11",
  /** The app's name, in every lab host's own hosts file (a reserved `.test` name). */
  appName: "nexus.test",
  /**
   * The relay's name. Firefox uses a `turns:` URL only by name: given an
   * address it gathers no relay candidate over TLS at all.
   */
  turnName: "relay.nexus.test",
} as const;

/** The networks behind routers: kind, WAN address, LAN prefix (a /24 or /26). */
const NETWORKS = [
  { name: "home1", kind: "cone", wan: "203.0.113.21", lan: "198.51.100.0" },
  { name: "home2", kind: "cone", wan: "203.0.113.22", lan: "198.51.100.64" },
  {
    name: "sym1",
    kind: "symmetric",
    wan: "203.0.113.23",
    lan: "198.51.100.128",
  },
  {
    name: "sym2",
    kind: "symmetric",
    wan: "203.0.113.24",
    lan: "198.51.100.192",
  },
  { name: "corp", kind: "corporate", wan: "203.0.113.25", lan: "192.0.2.0" },
] as const;

/** Which hosts sit on which network; `home1` has two, for calls on one LAN. */
const HOSTS = [
  { name: "home1a", network: "home1", last: 10 },
  { name: "home1b", network: "home1", last: 11 },
  { name: "home2", network: "home2", last: 10 },
  { name: "sym1", network: "sym1", last: 10 },
  { name: "sym2", network: "sym2", last: 10 },
  { name: "corp", network: "corp", last: 10 },
] as const;

/** The name of a network behind a router. */
export type NetworkName = typeof NETWORKS[number]["name"];

/** The name of a lab host. */
export type HostName = typeof HOSTS[number]["name"];

/** Runs `ip` or another command, throwing with its output when it fails. */
export function run(command: string, ...args: string[]): string {
  const output = new Deno.Command(command, {
    args,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")}: ${
        new TextDecoder().decode(output.stderr).trim()
      }`,
    );
  }
  return text;
}

/** Whether process `pid` is running. */
function isAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Runs a command inside a namespace. */
export function inside(namespace: string, ...command: string[]): string {
  return run("ip", "netns", "exec", namespace, ...command);
}

/** Loads an nftables ruleset into a namespace. */
function loadRules(namespace: string, rules: string): void {
  const file = Deno.makeTempFileSync({ suffix: ".nft" });
  Deno.writeTextFileSync(file, rules);
  try {
    inside(namespace, "nft", "-f", file);
  } finally {
    Deno.removeSync(file);
  }
}

function withLast(prefix: string, last: number): string {
  const parts = prefix.split(".");
  parts[3] = String(Number(parts[3]) + last);
  return parts.join(".");
}

/** The router's ruleset: NAT out of the WAN, new connections from it dropped, and the network's own filter. */
function routerRules(kind: NetworkKind): string {
  const masquerade = kind === "symmetric"
    ? "masquerade fully-random"
    : "masquerade";
  const outbound = kind === "corporate"
    ? 'iifname "lan" oifname "wan" tcp dport 443 accept'
    : 'iifname "lan" oifname "wan" accept';
  return `
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat;
    oifname "wan" ${masquerade}
  }
}
table inet filter {
  chain prerouting {
    type filter hook prerouting priority -150;
    iifname "wan" ct state new drop
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    ${outbound}
  }
}
`;
}

/** What `impair` does to a network's link. */
export interface Impairment {
  lossPercent?: number;
  rateKbit?: number;
}

/** A lab made on this machine: its hosts, and how to take it down. */
export interface Lab {
  /** The namespace of the app, on the internet. */
  app: string;
  /** The namespace of coturn, on the internet. */
  relay: string;
  hosts: Record<HostName, LabHost>;
  /** What each network's router does. */
  networks: { name: string; kind: NetworkKind; wan: string }[];
  /**
   * Moves a host to another network, as a phone leaves Wi-Fi for cellular:
   * its old link and address are gone at once, and it comes up on the other
   * network's LAN with a new address and that router as its way out.
   */
  moveHost(name: HostName, network: NetworkName): void;
  /**
   * Cuts a namespace off the network (every packet in or out dropped, its
   * addresses kept), as a tunnel or a dead access point does, until
   * `reconnect`.
   */
  cutOff(namespace: string): void;
  /** Ends a `cutOff`. */
  reconnect(namespace: string): void;
  /**
   * Makes a network's router a bad link, each way: `lossPercent` of the
   * packets it forwards dropped at random, and/or its rate held to
   * `rateKbit` by a token bucket, as a thin uplink does, queueing what it
   * cannot send yet and dropping what overflows.
   */
  impair(network: NetworkName, how: Impairment): void;
  /** Ends an `impair`. */
  repair(network: NetworkName): void;
  /**
   * Counts the packets from `source` that reach a network's router from the
   * internet; the returned function reads the count so far.
   */
  countArrivals(network: NetworkName, source: string): () => number;
  destroy(): void;
}

/**
 * A new lab's prefix: `x`, this process's id, and a random tag, in base 36.
 * Test files may run side by side as workers of one process, each making
 * its own lab, so the process id alone does not tell labs apart.
 */
function newPrefix(): string {
  const tag = crypto.getRandomValues(new Uint32Array(1))[0] % 36 ** 3;
  return `x${Deno.pid.toString(36)}_${tag.toString(36)}`;
}

/** The process that made a lab's namespace, from its name; null when it is not a lab's. */
function makerOf(namespace: string): number | null {
  const match = /^x([0-9a-z]+)_[0-9a-z]+-/.exec(namespace);
  return match ? parseInt(match[1], 36) : null;
}

/** Makes the lab; `prefix` keeps its namespaces apart from every other lab's. */
export function createLab(prefix = newPrefix()): Lab {
  const namespaces: string[] = [];
  const namespace = (name: string) => {
    const full = `${prefix}-${name}`;
    run("ip", "netns", "add", full);
    namespaces.push(full);
    // `ip netns exec` shows each namespace its own /etc/netns/NAME/hosts as /etc/hosts, and
    // resolv.conf: a name server on loopback refuses at once, where the machine's own one
    // (unreachable from the lab) would keep each lookup waiting for its timeout.
    Deno.mkdirSync(`/etc/netns/${full}`, { recursive: true });
    Deno.writeTextFileSync(
      `/etc/netns/${full}/resolv.conf`,
      "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n",
    );
    Deno.writeTextFileSync(
      `/etc/netns/${full}/hosts`,
      `127.0.0.1 localhost\n${LAB.app} ${LAB.appName}\n${LAB.turn} ${LAB.turnName}\n`,
    );
    // IPv4 only: no link-local addresses appearing after the browser starts (Chromium takes
    // them for a change of network), and no IPv6 candidates that lead nowhere.
    for (const scope of ["all", "default"]) {
      inside(full, "sysctl", "-qw", `net.ipv6.conf.${scope}.disable_ipv6=1`);
    }
    inside(full, "ip", "link", "set", "lo", "up");
    // Where br_netfilter is loaded, bridged frames would pass the routers' IP filters: a
    // LAN's own traffic is the bridge's business, as in a real switch.
    for (const family of ["iptables", "ip6tables", "arptables"]) {
      const key = `/proc/sys/net/bridge/bridge-nf-call-${family}`;
      if (inside(full, "sh", "-c", `test -e ${key} && echo yes || true`)) {
        inside(full, "sysctl", "-qw", `net.bridge.bridge-nf-call-${family}=0`);
      }
    }
    return full;
  };
  /** A veth pair: `a` in namespace `na`, `b` in `nb`, both up. */
  const veth = (na: string, a: string, nb: string, b: string) => {
    // Interface names hold 15 characters, the peer's `p` included.
    const tmp = `${prefix}t${namespaces.length}${a}`.slice(0, 14);
    run("ip", "link", "add", tmp, "type", "veth", "peer", "name", `${tmp}p`);
    run("ip", "link", "set", tmp, "netns", na);
    run("ip", "link", "set", `${tmp}p`, "netns", nb);
    inside(na, "ip", "link", "set", tmp, "name", a);
    inside(nb, "ip", "link", "set", `${tmp}p`, "name", b);
    inside(na, "ip", "link", "set", a, "up");
    inside(nb, "ip", "link", "set", b, "up");
  };
  const destroy = () => {
    for (const name of namespaces.reverse()) {
      try {
        run("ip", "netns", "del", name);
      } catch {
        // Already gone.
      }
      Deno.removeSync(`/etc/netns/${name}`, { recursive: true });
    }
  };
  // A run that was killed leaves its namespaces behind: those of a process that is gone go.
  for (const line of run("ip", "netns", "list").split("\n")) {
    const name = line.split(" ")[0];
    const maker = makerOf(name);
    if (maker === null || isAlive(maker)) continue;
    run("ip", "netns", "del", name);
    Deno.removeSync(`/etc/netns/${name}`, { recursive: true });
  }
  try {
    const internet = namespace("inet");
    inside(internet, "ip", "link", "add", "br0", "type", "bridge");
    inside(internet, "ip", "link", "set", "br0", "up");
    const attach = (port: string) =>
      inside(internet, "ip", "link", "set", port, "master", "br0");

    const servers = {} as Record<"app" | "relay", string>;
    for (const name of ["app", "relay"] as const) {
      const ns = namespace(name);
      veth(ns, "eth0", internet, name);
      attach(name);
      inside(
        ns,
        "ip",
        "addr",
        "add",
        `${LAB[name === "app" ? "app" : "turn"]}/24`,
        "dev",
        "eth0",
      );
      inside(ns, "ip", "route", "add", "default", "dev", "eth0");
      servers[name] = ns;
    }

    const networks: Lab["networks"] = [];
    const routers = new Map<string, { namespace: string; lan: string }>();
    for (const network of NETWORKS) {
      const router = namespace(`r-${network.name}`);
      veth(router, "wan", internet, network.name);
      attach(network.name);
      inside(router, "ip", "addr", "add", `${network.wan}/24`, "dev", "wan");
      inside(router, "ip", "route", "add", "default", "dev", "wan");
      inside(router, "ip", "link", "add", "lan", "type", "bridge");
      inside(router, "ip", "link", "set", "lan", "up");
      const mask = network.kind === "corporate" ? 24 : 26;
      inside(
        router,
        "ip",
        "addr",
        "add",
        `${withLast(network.lan, 1)}/${mask}`,
        "dev",
        "lan",
      );
      inside(router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
      loadRules(router, routerRules(network.kind));
      routers.set(network.name, { namespace: router, lan: network.lan });
      networks.push({
        name: network.name,
        kind: network.kind,
        wan: network.wan,
      });
    }

    const hosts = {} as Record<HostName, LabHost>;
    /** Puts a host's namespace on a network's LAN, at address `last` there. */
    const plugIn = (name: HostName, network: NetworkName, last: number) => {
      const router = routers.get(network)!;
      const ns = `${prefix}-${name}`;
      const port = `h-${name}-${last}`.slice(0, 15);
      veth(ns, "eth0", router.namespace, port);
      inside(router.namespace, "ip", "link", "set", port, "master", "lan");
      const mask = network === "corp" ? 24 : 26;
      const address = withLast(router.lan, last);
      inside(ns, "ip", "addr", "add", `${address}/${mask}`, "dev", "eth0");
      inside(
        ns,
        "ip",
        "route",
        "add",
        "default",
        "via",
        withLast(router.lan, 1),
      );
      hosts[name] = { name, namespace: ns, address };
    };
    for (const host of HOSTS) {
      namespace(host.name);
      plugIn(host.name, host.network, host.last);
    }
    let moves = 0;
    const moveHost = (name: HostName, network: NetworkName) => {
      inside(hosts[name].namespace, "ip", "link", "del", "eth0");
      plugIn(name, network, 20 + moves++);
    };
    const cutOff = (ns: string) =>
      loadRules(
        ns,
        `table inet outage {
  chain in { type filter hook input priority -300; policy drop; iif "lo" accept; }
  chain out { type filter hook output priority -300; policy drop; oif "lo" accept; }
}
`,
      );
    const reconnect = (ns: string) =>
      inside(ns, "nft", "delete", "table", "inet", "outage");
    // The router's WAN port carries the uplink, its LAN bridge the downlink.
    const impair = (network: NetworkName, how: Impairment) => {
      const router = routers.get(network)!.namespace;
      if (how.lossPercent) {
        loadRules(
          router,
          `table inet impair {
  chain forward {
    type filter hook forward priority -10;
    numgen random mod 100 < ${how.lossPercent} drop
  }
}
`,
        );
      }
      if (how.rateKbit) {
        // A queue of about 200 ms at that rate, as a modem's buffer holds.
        const limit = Math.max(3_000, Math.round(how.rateKbit * 1000 / 8 / 5));
        for (const device of ["wan", "lan"]) {
          inside(
            router,
            "tc",
            "qdisc",
            "add",
            "dev",
            device,
            "root",
            "tbf",
            "rate",
            `${how.rateKbit}kbit`,
            "burst",
            "3000",
            "limit",
            String(limit),
          );
        }
      }
    };
    let counters = 0;
    const countArrivals = (network: NetworkName, source: string) => {
      const router = routers.get(network)!.namespace;
      const table = `arrivals${counters++}`;
      loadRules(
        router,
        `table ip ${table} {
  chain prerouting {
    type filter hook prerouting priority -300;
    iifname "wan" ip saddr ${source} counter
  }
}
`,
      );
      return () =>
        Number(
          inside(router, "nft", "list", "table", "ip", table)
            .match(/packets (\d+)/)![1],
        );
    };
    const repair = (network: NetworkName) => {
      const router = routers.get(network)!.namespace;
      inside(
        router,
        "sh",
        "-c",
        "nft delete table inet impair 2>/dev/null; tc qdisc del dev wan root 2>/dev/null; tc qdisc del dev lan root 2>/dev/null; true",
      );
    };
    return {
      ...servers,
      hosts,
      networks,
      moveHost,
      cutOff,
      reconnect,
      impair,
      repair,
      countArrivals,
      destroy,
    };
  } catch (error) {
    destroy();
    throw error;
  }
}
