/**
 * Calls across real networks: the lab's namespaces, NAT routers and
 * firewalls (tests/support/lab/), coturn with TURN over UDP, TCP and TLS,
 * and the app over HTTPS, as deployed. Each call must decode video on both
 * sides and take the path a good implementation picks, read from the
 * selected candidate pair. The lab is checked first, so that a fault of the
 * lab is not reported as the app's.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { mintToken } from "../lib/signaling/auth.ts";
import type { AppProcess } from "./support/app_process.ts";
import {
  launchChromiumIn,
  openLink,
  type SelectedPath,
  selectedPath,
  waitForCallState,
  waitForRise,
  waitForStatus,
} from "./support/browser.ts";
import { CHROMIUM, COTURN, needsLab } from "./support/environment.ts";
import {
  createLab,
  type HostName,
  inside,
  LAB,
  type Lab,
} from "./support/lab/network.ts";
import {
  labCertificates,
  type LabProcess,
  startLabApp,
  startLabTurn,
} from "./support/lab/services.ts";

const JWT_SECRET = "jwt-secret-for-the-network-lab-0123456789";
const TURN_SECRET = "turn-secret-for-the-network-lab-012345678";
const PROBE = new URL("./support/lab/probe.ts", import.meta.url).pathname;

/** What the reflector on the app's host saw of a lab host's one UDP socket, asked on two ports. */
function mappings(lab: Lab, host: HostName): (string | null)[] {
  return JSON.parse(
    inside(
      lab.hosts[host].namespace,
      Deno.execPath(),
      "run",
      "-A",
      PROBE,
      "mapping",
      LAB.app,
      "4001",
      "4002",
    ),
  );
}

/** Whether TCP from a lab host reaches `address:port`. */
function tcpReaches(lab: Lab, host: HostName, port: number): boolean {
  return JSON.parse(
    inside(
      lab.hosts[host].namespace,
      Deno.execPath(),
      "run",
      "-A",
      PROBE,
      "tcp",
      LAB.turn,
      String(port),
    ),
  );
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
async function pathOf(page: Page): Promise<SelectedPath> {
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

const CALLS: { name: string; from: HostName; to: HostName; expect: Expect }[] =
  [
    {
      name: "1. same LAN: direct, host to host",
      from: "home1a",
      to: "home1b",
      expect: (a, b) => {
        assert.deepEqual([a.local, a.remote], ["host", "host"]);
        assert.deepEqual([b.local, b.remote], ["host", "host"]);
      },
    },
    {
      name: "2. cone NAT to cone NAT: direct through both NATs, no relay",
      from: "home1a",
      to: "home2",
      expect: (a, b) => {
        for (const side of [a, b]) {
          assert.ok(
            side.local !== "relay" && side.remote !== "relay",
            JSON.stringify(side),
          );
          assert.ok(
            [side.local, side.remote].some((type) =>
              type === "srflx" || type === "prflx"
            ),
            JSON.stringify(side),
          );
        }
      },
    },
    {
      name: "3. symmetric NAT to symmetric NAT: relayed over UDP",
      from: "sym1",
      to: "sym2",
      expect: (a, b) => {
        for (const side of [a, b]) {
          assert.ok(
            [side.local, side.remote].includes("relay"),
            JSON.stringify(side),
          );
          assert.equal(side.protocol, "udp");
        }
        const relayed = [a, b].filter((side) => side.local === "relay");
        assert.ok(
          relayed.length > 0 &&
            relayed.every((side) => side.relayProtocol === "udp"),
          JSON.stringify([a, b]),
        );
      },
    },
    {
      name:
        "4. corporate network (only TCP 443 out) to a home: relayed over TLS on 443",
      from: "corp",
      to: "home2",
      expect: (a, b) => {
        assert.equal(a.local, "relay");
        assert.equal(a.relayProtocol, "tls");
        assert.equal(b.remote, "relay");
      },
    },
  ];

Deno.test({
  name:
    "lab: calls between real networks connect, each by the path it should take",
  ignore: needsLab(CHROMIUM, COTURN),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const lab = createLab();
    const browsers = new Map<HostName, Browser>();
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
      const browserIn = async (host: HostName) => {
        if (!browsers.has(host)) {
          browsers.set(host, await launchChromiumIn(lab.hosts[host].namespace));
        }
        return browsers.get(host)!;
      };
      const link = async (user: string) =>
        `https://${LAB.app}/?token=${await mintToken(JWT_SECRET, user, 600)}`;
      for (const call of CALLS) {
        await t.step(call.name, async () => {
          const caller = await openLink(
            await browserIn(call.from),
            await link("alice"),
            "alice",
          );
          const callee = await openLink(
            await browserIn(call.to),
            await link("bob"),
            "bob",
          );
          try {
            await caller.getByRole("button", { name: "bob", exact: true })
              .click();
            await callee.getByRole("button", { name: /accept/i }).click();
            await waitForStatus(caller, "In call with bob");
            await waitForStatus(callee, "In call with alice");
            for (const page of [caller, callee]) {
              await waitForRise(page, "video", "framesDecoded", 10);
              await waitForRise(page, "audio", "packetsReceived", 10);
            }
            call.expect(await pathOf(caller), await pathOf(callee));
            await caller.getByRole("button", { name: /end call/i }).click();
            await waitForCallState(callee, "idle");
          } finally {
            await caller.context().close();
            await callee.context().close();
          }
        });
      }
    } finally {
      for (const browser of browsers.values()) await browser.close();
      await app?.stop();
      await turn?.stop();
      lab.destroy();
    }
  },
});
