/**
 * Calls across real networks: the lab's namespaces, NAT routers and
 * firewalls (tests/support/lab/), coturn with TURN over UDP, TCP and TLS,
 * and the app over HTTPS, as deployed. Each call must decode video on both
 * sides and take the path a good implementation picks, read from the
 * selected candidate pair. The lab is checked first, so that a fault of the
 * lab is not reported as the app's.
 */
import assert from "node:assert/strict";
import type { Browser as PlaywrightBrowser } from "playwright-core";
import type { Browser as PuppeteerBrowser } from "puppeteer-core";
import { mintToken } from "../lib/signaling/auth.ts";
import type { AppProcess } from "./support/app_process.ts";
import {
  type Evaluates,
  launchChromiumIn,
  type SelectedPath,
  selectedPath,
} from "./support/browser.ts";
import {
  answeredCall,
  checkConnection,
  openPage,
  untilConnectionSays,
  untilMediaFlows,
  untilStatus,
} from "./support/call_page.ts";
import {
  CERTUTIL,
  CHROMIUM,
  COTURN,
  FIREFOX,
  needsLab,
} from "./support/environment.ts";
import { launchFirefox } from "./support/firefox.ts";
import {
  createLab,
  type HostName,
  LAB,
  type Lab,
} from "./support/lab/network.ts";
import {
  LAB_TURN_URLS,
  labCertificates,
  type LabProcess,
  runProbe,
  startLabApp,
  startLabTurn,
} from "./support/lab/services.ts";

const JWT_SECRET = "jwt-secret-for-the-network-lab-0123456789";
const TURN_SECRET = "turn-secret-for-the-network-lab-012345678";
const PROBE = new URL("./support/lab/probe.ts", import.meta.url).pathname;

/** What the reflector on the app's host saw of a lab host's one UDP socket, asked on two ports. */
function mappings(lab: Lab, host: HostName): (string | null)[] {
  return runProbe(
    lab.hosts[host].namespace,
    "mapping",
    LAB.app,
    "4001",
    "4002",
  ) as (string | null)[];
}

/** Whether TCP from a lab host reaches the relay's host on `port`. */
function tcpReaches(lab: Lab, host: HostName, port: number): boolean {
  return runProbe(
    lab.hosts[host].namespace,
    "tcp",
    LAB.turn,
    String(port),
  ) as boolean;
}

/** Runs `deno task doctor` on the app's host with these settings: its exit code and lines. */
async function labDoctor(lab: Lab, env: Record<string, string>) {
  const output = await new Deno.Command("ip", {
    args: ["netns", "exec", lab.app, Deno.execPath(), "task", "-q", "doctor"],
    cwd: new URL("..", import.meta.url).pathname,
    env: { ...env, NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "" },
    clearEnv: true,
  }).output();
  return {
    code: output.code,
    lines: new TextDecoder().decode(output.stdout).trim().split("\n"),
  };
}

/** The lab's NATs and firewall behave as their kind says. */
async function checkLab(lab: Lab): Promise<void> {
  const reflector = new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      lab.app,
      Deno.execPath(),
      "run",
      "-A",
      PROBE,
      "reflect",
      LAB.app,
      "4001",
      "4002",
    ],
    stdout: "piped",
  }).spawn();
  try {
    const reader = reflector.stdout.getReader();
    await reader.read();
    reader.releaseLock();
    const wan = (host: HostName) =>
      lab.networks.find((n) => n.name === host.replace(/[ab]$/, ""))!.wan;
    for (const host of ["home1a", "home2"] as const) {
      const [first, second] = mappings(lab, host);
      assert.ok(
        first?.startsWith(`${wan(host)}:`),
        `${host} is behind its NAT`,
      );
      assert.equal(
        first,
        second,
        `${host}'s cone NAT keeps one port for every destination`,
      );
    }
    for (const host of ["sym1", "sym2"] as const) {
      const [first, second] = mappings(lab, host);
      assert.ok(
        first?.startsWith(`${wan(host)}:`),
        `${host} is behind its NAT`,
      );
      assert.notEqual(
        first,
        second,
        `${host}'s symmetric NAT maps each destination apart`,
      );
    }
    assert.deepEqual(
      mappings(lab, "corp"),
      [null, null],
      "the corporate network drops UDP",
    );
    assert.equal(tcpReaches(lab, "corp", 443), true, "and lets TCP 443 out");
    assert.equal(tcpReaches(lab, "corp", 3478), false, "and nothing else");
  } finally {
    reflector.kill();
    await reflector.status;
  }
}

/** Waits until a page's selected path is one `accept` takes. */
async function pathOf(page: Evaluates): Promise<SelectedPath> {
  const deadline = Date.now() + 10_000;
  while (true) {
    const path = await selectedPath(page);
    if (path) return path;
    if (Date.now() > deadline) {
      throw new Error("no candidate pair was selected");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The expected path of a call, checked on both sides: [caller's, callee's]. */
type Expect = (caller: SelectedPath, callee: SelectedPath) => void;

/** A browser engine the lab's calls run in. */
type Engine = "chromium" | "firefox";

/** A call across the lab: from one host's browser to another's, and the path it must take. */
interface LabCall {
  name: string;
  from: HostName;
  fromEngine: Engine;
  to: HostName;
  toEngine: Engine;
  expect: Expect;
  /** What the caller's call details say of the connection. */
  says: string;
}

/** The symmetric-NAT path: relayed, over UDP. */
const relayedOverUdp: Expect = (a, b) => {
  for (const side of [a, b]) {
    assert.ok(
      [side.local, side.remote].includes("relay"),
      JSON.stringify(side),
    );
    assert.equal(side.protocol, "udp");
  }
  const relayed = [a, b].filter((side) => side.local === "relay");
  assert.ok(
    relayed.length > 0 && relayed.every((side) => side.relayProtocol === "udp"),
    JSON.stringify([a, b]),
  );
};

/** The corporate path: the caller's own relay candidate, reached over TLS. */
const relayedOverTls: Expect = (a, b) => {
  assert.equal(a.local, "relay");
  assert.equal(a.relayProtocol, "tls");
  assert.equal(b.remote, "relay");
};

const CALLS: LabCall[] = [
  {
    name: "1. same LAN: direct, host to host",
    from: "home1a",
    fromEngine: "chromium",
    to: "home1b",
    toEngine: "chromium",
    says: "Direct, over UDP",
    expect: (a, b) => {
      assert.deepEqual([a.local, a.remote], ["host", "host"]);
      assert.deepEqual([b.local, b.remote], ["host", "host"]);
    },
  },
  {
    name: "2. cone NAT to cone NAT: direct through both NATs, no relay",
    from: "home1a",
    fromEngine: "chromium",
    to: "home2",
    toEngine: "chromium",
    says: "Direct, over UDP",
    expect: (a, b) => {
      for (const side of [a, b]) {
        const types = [side.local, side.remote];
        assert.ok(!types.includes("relay"), JSON.stringify(side));
        assert.ok(
          types.includes("srflx") || types.includes("prflx"),
          JSON.stringify(side),
        );
      }
    },
  },
  {
    name: "3. symmetric NAT to symmetric NAT: relayed over UDP",
    from: "sym1",
    fromEngine: "chromium",
    to: "sym2",
    toEngine: "chromium",
    says: "Relayed through the server, over UDP",
    expect: relayedOverUdp,
  },
  {
    name: "4. corporate (only TCP 443 out) to a home: relayed over TLS on 443",
    from: "corp",
    fromEngine: "chromium",
    to: "home2",
    toEngine: "chromium",
    says: "Relayed through the server, over TLS",
    expect: relayedOverTls,
  },
  {
    name:
      "5. Firefox behind a symmetric NAT with Chromium behind another: relayed over UDP",
    from: "sym1",
    fromEngine: "firefox",
    to: "sym2",
    toEngine: "chromium",
    says: "Relayed through the server, over UDP",
    expect: relayedOverUdp,
  },
  {
    name:
      "5. Firefox in the corporate network with Chromium at home: relayed over TLS on 443",
    from: "corp",
    fromEngine: "firefox",
    to: "home2",
    toEngine: "chromium",
    says: "Relayed through the server, over TLS",
    expect: relayedOverTls,
  },
];

Deno.test({
  name:
    "lab: calls between real networks connect, each by the path it should take",
  ignore: needsLab(CHROMIUM, FIREFOX, CERTUTIL, COTURN),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const lab = createLab();
    const browsers = new Map<string, PlaywrightBrowser | PuppeteerBrowser>();
    let turn: LabProcess | undefined;
    let app: AppProcess | undefined;
    try {
      const tls = await labCertificates();
      turn = await startLabTurn(lab, TURN_SECRET, tls);
      app = await startLabApp(lab, JWT_SECRET, TURN_SECRET, tls);
      // A fault of the lab is not the app's: no call is tried on a lab that is wrong.
      const labWorks = await t.step(
        "the lab: cone NATs keep a port per socket, symmetric NATs change it per destination, the corporate firewall passes only TCP 443",
        () => checkLab(lab),
      );
      if (!labWorks) return;
      const signIn = async (host: HostName, engine: Engine, user: string) => {
        const key = `${host} ${engine}`;
        if (!browsers.has(key)) {
          const namespace = lab.hosts[host].namespace;
          browsers.set(
            key,
            engine === "chromium"
              ? await launchChromiumIn(namespace)
              : await launchFirefox(namespace, tls.ca),
          );
        }
        const token = await mintToken(JWT_SECRET, user, 600);
        const page = await openPage(
          browsers.get(key)!,
          `https://${LAB.appName}/?token=${token}`,
        );
        await untilStatus(page, `Signed in as ${user}`);
        return page;
      };
      for (const [index, call] of CALLS.entries()) {
        // Users of their own in each call: a call that failed leaves nobody busy for the next.
        const [alice, bob] = [`alice${index}`, `bob${index}`];
        await t.step(call.name, async () => {
          const caller = await signIn(call.from, call.fromEngine, alice);
          const callee = await signIn(call.to, call.toEngine, bob);
          try {
            await answeredCall(caller, alice, callee, bob);
            await untilMediaFlows(caller, callee);
            call.expect(await pathOf(caller), await pathOf(callee));
            await untilConnectionSays(caller, call.says);
            await caller.press("End call");
            await untilStatus(callee, `${alice} ended the call`);
          } finally {
            await caller.close();
            await callee.close();
          }
        });
      }
      const verdicts: [HostName, RegExp][] = [
        ["home2", /^This network lets calls through/],
        ["sym1", /^This network lets calls through/],
        [
          "corp",
          /^This network blocks everything but web traffic: calls will go through the relay over TLS on port 443\.$/,
        ],
      ];
      for (const [host, verdict] of verdicts) {
        await t.step(
          `the connection check from ${host} says what works there`,
          async () => {
            const page = await signIn(host, "chromium", `check-${host}`);
            try {
              assert.match(await checkConnection(page), verdict);
            } finally {
              await page.close();
            }
          },
        );
      }

      await t.step(
        "doctor: from the app's host, the relay answers on every transport, its certificate valid where the CA is trusted",
        async () => {
          const run = (env: Record<string, string>) =>
            labDoctor(lab, {
              NEXUS_JWT_SECRET: JWT_SECRET,
              NEXUS_TURN_URLS: [
                ...LAB_TURN_URLS,
                `turns:${LAB.turn}:443?transport=tcp`,
              ].join(","),
              NEXUS_TURN_SECRET: TURN_SECRET,
              ...env,
            });
          const trusted = await run({ DENO_CERT: tls.ca });
          assert.equal(trusted.code, 0, trusted.lines.join("\n"));
          const ok = trusted.lines.filter((line) => line.startsWith("ok"));
          assert.equal(ok.length, 4, trusted.lines.join("\n"));
          assert.ok(
            ok.some((line) =>
              line.startsWith(
                `ok   turns:${LAB.turnName}:443?transport=tcp: allocation granted over TLS with a valid certificate`,
              )
            ),
            trusted.lines.join("\n"),
          );
          assert.ok(
            trusted.lines.some((line) =>
              line.startsWith(`warn turns:${LAB.turn}:443`) &&
              line.includes("Firefox")
            ),
          );
          const untrusted = await run({});
          assert.ok(
            untrusted.lines.some((line) =>
              line.startsWith(`FAIL turns:${LAB.turnName}:443`) &&
              line.includes("TLS certificate is not valid")
            ),
            untrusted.lines.join("\n"),
          );
        },
      );

      // The same networks with a server that offers no relay.
      await app.stop();
      app = await startLabApp(lab, JWT_SECRET, null, tls);
      await t.step(
        "6. with no relay, symmetric to symmetric cannot connect: the call ends within 15 s, saying why",
        async () => {
          const caller = await signIn("sym1", "chromium", "alice6");
          const callee = await signIn("sym2", "chromium", "bob6");
          try {
            await caller.press("bob6");
            await untilStatus(callee, "alice6 is calling you");
            await callee.press("Accept call");
            const why =
              "this server has no relay (TURN) server to go through instead";
            // Before, the page said "Connecting…" for 31 s and ended after 46 s, never saying why.
            await untilStatus(caller, why, 20_000);
            await untilStatus(callee, why, 20_000);
          } finally {
            await caller.close();
            await callee.close();
          }
        },
      );
      await t.step(
        "the connection check from the corporate network says no call can connect",
        async () => {
          const page = await signIn("corp", "chromium", "check-corp-2");
          try {
            assert.equal(
              await checkConnection(page),
              "Calls cannot connect from this network: it blocks direct connections, and no relay (TURN) server is configured.",
            );
          } finally {
            await page.close();
          }
        },
      );
    } finally {
      for (const browser of browsers.values()) await browser.close();
      await app?.stop();
      await turn?.stop();
      lab.destroy();
    }
  },
});
