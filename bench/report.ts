/** Turns a run's results into `bench/README.md` and `bench/results/chart.svg`. */
import type { AccountsBench } from "./accounts.ts";
import type { PushBench } from "./push_ring.ts";
import type { CallLinkBench } from "./call_link.ts";
import type { DeliveryRecoveryBench } from "./delivery_recovery.ts";
import type { BadNetworks } from "./lab_bad_networks.ts";
import type { LabSetup } from "./lab_setup.ts";
import type { WakeCost } from "./wake_cost.ts";
import { median, type RelayResult, ROOT } from "./support.ts";

interface Results {
  date: string;
  seconds: number;
  machine: { cores: number; deno: string; node: string; chromium: string };
  relay: RelayResult[];
  scaleOut: (RelayResult & { engine: "memory" | "redis" })[];
  /** Absent from runs before it was measured. */
  wakeCost?: { turns: number; deno: WakeCost; node: WakeCost };
  connections: {
    target: string;
    sessions: number;
    acceptMs: number;
    rssPerSessionKiB: number;
  }[];
  presence: {
    presence: "on" | "off";
    sessions: number;
    acceptMs: number;
    rssPerSessionKiB: number;
  }[];
  callSetup: {
    calls: number;
    medianMs: number;
    floorMedianMs: number;
    ratio: number;
    first: {
      calls: number;
      /** How long it rang before Accept. */
      ringMs: number;
      medianMs: number;
      floorMedianMs: number;
      ratio: number;
      /** Accept pressed the moment it showed. */
      atOnceMedianMs: number;
      atOnceRatio: number;
    };
  };
  pageWeight: {
    nexusGzipBytes: number;
    reactZustandGzipBytes: number;
    ratio: number;
  };
  coldStart: { medianMs: number };
  labSetup: LabSetup;
  badNetworks: BadNetworks;
  accounts: AccountsBench;
  push: PushBench;
  /** Absent from runs before call links; `alone`: measured after the run, on its own. */
  callLinks?: CallLinkBench & { alone?: string };
  /** Absent from runs before it was measured. */
  deliveryRecovery?: DeliveryRecoveryBench;
}

/** Whether the Redis goals are within what the runtime costs with none of Nexus, at the highest rate measured. */
function redisVerdict(
  steps: (RelayResult & { engine: "memory" | "redis" })[],
): string {
  const offered = Math.max(...steps.map((step) => step.offered));
  const [nexus, nexusRedis, bare, bareRedis] = (
    [["nexus", "memory"], ["nexus", "redis"], ["bare", "memory"], [
      "bare",
      "redis",
    ]] as const
  ).map(([target, engine]) =>
    steps.find((step) =>
      step.target === target && step.engine === engine &&
      step.offered === offered
    )
  );
  if (!nexus || !nexusRedis || !bare || !bareRedis) {
    return "The bare relay over Redis was not measured in this run.";
  }
  const cpu = (a: RelayResult, b: RelayResult) =>
    a.serverCpuUsPerMessage / b.serverCpuUsPerMessage;
  const p99 = (a: RelayResult, b: RelayResult) => a.p99Ms / b.p99Ms;
  const over = (value: number, goal: number) =>
    `${value.toFixed(2)}× (goal ≤ ${goal}: ${
      value <= goal ? "met" : "not met"
    })`;
  return `At ${offered} msg/s, Nexus over Redis against one instance: CPU per message ${
    over(cpu(nexusRedis, nexus), 1.5)
  }, p99 ${
    over(p99(nexusRedis, nexus), 3)
  }. The bare relay, with none of Nexus, the same way: CPU ${
    cpu(bareRedis, bare).toFixed(2)
  }×, p99 ${
    p99(bareRedis, bare).toFixed(2)
  }×. Nexus over Redis against the bare relay over Redis: CPU ${
    cpu(nexusRedis, bareRedis).toFixed(2)
  }×, p99 ${p99(nexusRedis, bareRedis).toFixed(2)}×.`;
}

/** What a wake-up costs the runtime: the floor under every batch over Redis. */
function wakeSection(
  wake: { turns: number; deno: WakeCost; node: WakeCost } | undefined,
): string {
  if (!wake) return "The cost of a wake-up was not measured in this run.";
  return `Why a message over Redis costs so much more than on one instance: each batch one instance publishes wakes three processes (the publisher for Redis's reply, Redis, the subscriber), and a wake-up is dear here. [wake_loop.mjs](wake_loop.mjs), a 1 ms timer awaited ${wake.turns} times with nothing else to do, on core 0: **Deno ${wake.deno.cpuUsPerWake} µs of CPU per wake-up** (${wake.deno.wallMsPerWake} ms apart), Node ${wake.node.cpuUsPerWake} µs (${wake.node.wallMsPerWake} ms apart).`;
}

/** The delivery layer's recovery: from a socket's silent death to the message on the next socket. */
function recoverySection(recovery: DeliveryRecoveryBench | undefined): string {
  if (!recovery) return "Not measured in this run.";
  const { fromPage, fromServer, pairs } = recovery;
  const ms = (values: number[]) => values.join(", ");
  return `A page in a call whose socket dies silently (a proxy between it and the server stops passing anything, both ways, and tells nobody), and at that moment a message written into it, ${pairs} times each way, all at once ([delivery_recovery.ts](delivery_recovery.ts)). The page's own session code drives the sockets; the server runs in its own process. From the death to the message reaching the other side over the page's next socket: **from the page** (its message goes unacknowledged; it asks after 2 s and, unanswered 2 s more, dials again and resumes) median **${fromPage.medianMs} ms** (${
    ms(fromPage.samplesMs)
  }); **from the server** (the page has nothing to say; its heartbeat in a call, every 5 s and answered within 2 s, finds the socket dead; the death comes at a random moment of it) median **${fromServer.medianMs} ms** (${
    ms(fromServer.samplesMs)
  }).`;
}

/** The call links section: from opening a link to the owner's ring, and what the guest's page loads. */
function callLinksSection(
  links: (CallLinkBench & { alone?: string }) | undefined,
): string {
  if (!links) return "Not measured in this run.";
  const when = links.alone
    ? ` (measured on its own on ${links.alone}, after the run above)`
    : "";
  return `From a guest opening a new call link in Chromium (a context of its own, nothing cached) to the owner's device hearing \`call:request\`: the page's load and hydration, the name typed and **Call** pressed by script, the camera and microphone started (fake devices), the guest's join and the ring: median **${links.medianMs} ms** of ${links.calls} (${
    links.samplesMs.join(", ")
  } ms)${when}. The guest's page is the call page in guest mode: ${links.guestPageFiles} files, ${links.guestPageGzipBytes} bytes gzip, none of the account pages' code.`;
}

/** The push section: a ring's way to a closed Firefox, and what an installable app weighs. */
function pushSection(push: PushBench): string {
  return `From \`call:request\` sent to the server to the ring shown in Firefox ESR with every page of the app closed (one hidden tab reads the notifications): the app's Web Push (VAPID, aes128gcm) to the push service stand-in ([push_service.ts](../tests/support/push_service.ts)), which speaks Mozilla's push protocol to Firefox on loopback, then the service worker: median **${push.medianMs} ms** of ${push.rings} (${
    push.samplesMs.join(", ")
  } ms). A real push service adds its own network hops. The service worker is ${push.serviceWorkerGzipBytes} bytes gzip, the manifest ${push.manifestBytes} bytes; neither is part of the call page's JavaScript.`;
}

/** The accounts section: the handshake against token mode, and signing in with a passkey. */
function accountsSection(accounts: AccountsBench): string {
  const { handshake, signIn } = accounts;
  return [
    `A \`/ws\` handshake until \`session:ready\`, one client, ${handshake.handshakes} each way, interleaved in rounds of ten: token mode (a JWT checked before the upgrade) median **${handshake.tokenMedianMs} ms**; accounts mode (the cookie's MAC before the upgrade, the session confirmed in Deno KV after it, its last use written) median **${handshake.cookieMedianMs} ms**: **${handshake.ratio}×**.`,
    "",
    `Signing in, in Chromium with a virtual authenticator: from pressing **Sign in with a passkey** on \`/signin\` to the call page saying "Signed in as …", median **${signIn.medianMs} ms** of ${signIn.samplesMs.length} (${
      signIn.samplesMs.join(", ")
    } ms).`,
  ].join("\n");
}

/** The bad-network section: recovery after a switch, and audio concealed with and without protection. */
function badNetworksSection(bad: BadNetworks): string {
  if ("skipped" in bad) return `Not measured in this run: ${bad.skipped}.`;
  const ms = (values: number[]) => values.join(", ");
  const percent = (values: number[]) => values.map((v) => `${v}%`).join(", ");
  return [
    `Chromium to Chromium in the lab, TURN configured. **A network switch**: mid-call one side's link is deleted and it comes up behind another router (cone NAT ↔ symmetric NAT), ${
      bad.switches[0].samplesMs.length
    } moves back and forth within one call (the 1st, 3rd and 5th land behind a symmetric NAT, where the new path must go through the relay; the others back behind a cone NAT); the time from the move until both pages show video again (the fifth frame after the gap, from \`requestVideoFrameCallback\`). Goal: 3 s. The pages renew their connection after the move (a new \`RTCPeerConnection\`, \`lib/page/call/renewal.ts\`); against that, in the same run, the same moves with pages that cannot keep a certificate (a script run first takes \`indexedDB\` away, as in a private window), which restart ICE on the old connection instead, as every page did before renewal.`,
    "",
    "| who moves | recovery | median ms | p90 ms | each move, ms |",
    "| --- | --- | --- | --- | --- |",
    ...bad.switches.map((each) =>
      `| the ${each.mover} | ${
        each.recovery === "renewed" ? "new connection" : "ICE restart"
      } | ${each.medianMs} | ${each.p90Ms} | ${ms(each.samplesMs)} |`
    ),
    "",
    `**Audio concealed** (\`concealedSamples\` / \`totalSamplesReceived\` from \`getStats\`, both pages' mean, over 10 s) with the page's protection (redundant audio \`audio/red\`, audio sender priority \`high\`) and without it (a script run first hides \`audio/red\` and drops the priorities), ${
      bad.concealment[0].protectedPercent.length
    } calls each, taking turns. The bad link is at the callee's router, each way.`,
    "",
    "| link | protected, median | unprotected, median | protected, each | unprotected, each |",
    "| --- | --- | --- | --- | --- |",
    ...bad.concealment.map((each) =>
      `| ${each.link} | ${each.protectedMedian}% | ${each.unprotectedMedian}% | ${
        percent(each.protectedPercent)
      } | ${percent(each.unprotectedPercent)} |`
    ),
    "",
    "Setup under 5% loss is the lab setup table's loss row, against the same path without loss.",
  ].join("\n");
}

/** The lab section: each path's setup against the floor, or why it did not run. */
function labSection(lab: LabSetup): string {
  if ("skipped" in lab) {
    return `Not measured in this run: ${lab.skipped}.`;
  }
  const direct = lab.paths[0].medianMs;
  const rows = lab.paths.map((path) =>
    `| ${path.path} | ${path.medianMs} | ${path.ratio} | ${
      Math.round((path.medianMs / direct) * 100) / 100
    } |`
  );
  return [
    `From pressing **Accept** to the first remote frame on both sides, median of ${
      lab.paths[0].calls
    } calls per path, Chromium in the lab's namespaces (\`tests/support/lab/\`), the app over HTTPS and coturn on the lab's internet. The floor, two peer connections wired inside one page of the lab: **${lab.floorMedianMs} ms**.`,
    "",
    "| path | setup, ms | × floor | × same LAN |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    "Goal: relayed over TLS within 1.5× of direct.",
  ].join("\n");
}

const NAMES: Record<string, string> = {
  nexus: "Nexus `/ws`",
  bare: "bare Deno relay",
  peerjs: "PeerJS (Node)",
};
const COLORS: Record<string, string> = {
  nexus: "#2563eb",
  bare: "#9ca3af",
  peerjs: "#f59e0b",
};

function find(
  results: Results,
  target: string,
  pairs: number,
  offered: number,
  delivery = false,
): RelayResult | undefined {
  return results.relay.find((r) =>
    r.target === target && r.pairs === pairs && r.offered === offered &&
    (r.delivery ?? false) === delivery
  );
}

const ratio = (a: number, b: number) => (a / b).toFixed(2);
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

/** A grouped bar chart of server CPU per relayed message, by step and server. */
function chart(results: Results): string {
  const steps = [
    ...new Set(results.relay.map((r) => `${r.pairs}:${r.offered}`)),
  ];
  const targets = ["nexus", "bare", "peerjs"];
  const max = Math.max(...results.relay.map((r) => r.serverCpuUsPerMessage));
  const width = 120 + steps.length * 130;
  const height = 300;
  const scale = (value: number) => (value / max) * 200;
  const bars = steps.flatMap((step, i) => {
    const [pairs, offered] = step.split(":").map(Number);
    return targets.map((target, j) => {
      const r = find(results, target, pairs, offered);
      if (!r) return "";
      const x = 80 + i * 130 + j * 34;
      const h = scale(r.serverCpuUsPerMessage);
      return `<rect x="${x}" y="${250 - h}" width="30" height="${h}" fill="${
        COLORS[target]
      }"/>` +
        `<text x="${x + 15}" y="${
          245 - h
        }" font-size="10" text-anchor="middle">${
          r.serverCpuUsPerMessage.toFixed(1)
        }</text>`;
    });
  });
  const labels = steps.map((step, i) => {
    const [pairs, offered] = step.split(":");
    return `<text x="${
      80 + i * 130 + 51
    }" y="268" font-size="11" text-anchor="middle">${pairs} pairs</text>` +
      `<text x="${
        80 + i * 130 + 51
      }" y="282" font-size="11" text-anchor="middle">${
        Number(offered) / 1000
      }k msg/s</text>`;
  });
  const legend = targets.map((target, i) =>
    `<rect x="${80 + i * 150}" y="8" width="12" height="12" fill="${
      COLORS[target]
    }"/>` +
    `<text x="${96 + i * 150}" y="18" font-size="12">${
      NAMES[target].replace(/`/g, "")
    }</text>`
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<text x="10" y="140" font-size="12" transform="rotate(-90 14 140)">server CPU µs per message</text>
<line x1="70" y1="250" x2="${width - 10}" y2="250" stroke="#333"/>
${legend.join("\n")}
${bars.join("\n")}
${labels.join("\n")}
</svg>
`;
}

/** Writes the README and the chart of a full run. */
export async function renderReport(results: Results): Promise<void> {
  const rows = results.relay.map((r) =>
    `| ${NAMES[r.target]}${
      r.delivery ? " (`delivery=1`)" : ""
    } | ${r.pairs} | ${r.offered} | ${r.achieved} | ${r.p50Ms.toFixed(2)} | ${
      r.p99Ms.toFixed(2)
    } | ${r.p999Ms.toFixed(2)} | ${r.serverCpuUsPerMessage.toFixed(1)} |`
  );
  const ratios = [
    ...new Set(results.relay.map((r) => `${r.pairs}:${r.offered}`)),
  ].map((step) => {
    const [pairs, offered] = step.split(":").map(Number);
    const [nexus, bare, peerjs] = ["nexus", "bare", "peerjs"].map((t) =>
      find(results, t, pairs, offered)!
    );
    return `| ${pairs} × ${offered} msg/s | ${
      ratio(nexus.serverCpuUsPerMessage, bare.serverCpuUsPerMessage)
    } | ${ratio(nexus.serverCpuUsPerMessage, peerjs.serverCpuUsPerMessage)} | ${
      nexus.p99Ms.toFixed(2)
    } vs ${peerjs.p99Ms.toFixed(2)} |`;
  });
  const deliveryRows = [
    ...new Set(results.relay.map((r) => `${r.pairs}:${r.offered}`)),
  ].flatMap((step) => {
    const [pairs, offered] = step.split(":").map(Number);
    const plain = find(results, "nexus", pairs, offered);
    const layered = find(results, "nexus", pairs, offered, true);
    if (!plain || !layered) return [];
    return [
      `| ${pairs} × ${offered} msg/s | ${
        plain.serverCpuUsPerMessage.toFixed(1)
      } → ${layered.serverCpuUsPerMessage.toFixed(1)} µs (${
        ratio(layered.serverCpuUsPerMessage, plain.serverCpuUsPerMessage)
      }×) | ${plain.p99Ms.toFixed(2)} → ${layered.p99Ms.toFixed(2)} ms | ${
        (layered.frameUnits ?? 0) - (plain.frameUnits ?? 0)
      } |`,
    ];
  });
  const scaleOut = results.scaleOut.map((r) =>
    `| ${NAMES[r.target]} | ${
      r.engine === "memory"
        ? "one instance, in-process"
        : "two instances, Redis"
    } | ${r.offered} | ${r.achieved} | ${r.p50Ms.toFixed(2)} | ${
      r.p99Ms.toFixed(2)
    } | ${r.serverCpuUsPerMessage.toFixed(1)} |`
  );
  const scaleOutStep = (
    target: string,
    engine: "memory" | "redis",
    offered: number,
  ) =>
    results.scaleOut.find((r) =>
      r.target === target && r.engine === engine && r.offered === offered
    );
  const scaleOutRatios = [...new Set(results.scaleOut.map((r) => r.offered))]
    .map((offered) => {
      const nexus = scaleOutStep("nexus", "memory", offered)!;
      const nexusRedis = scaleOutStep("nexus", "redis", offered)!;
      const bare = scaleOutStep("bare", "memory", offered);
      const bareRedis = scaleOutStep("bare", "redis", offered);
      const floor = (of: (a: RelayResult, b: RelayResult) => string) =>
        bare && bareRedis ? of(bareRedis, bare) : "–";
      return `| ${offered} | ${
        ratio(nexusRedis.serverCpuUsPerMessage, nexus.serverCpuUsPerMessage)
      } | ${
        floor((a, b) => ratio(a.serverCpuUsPerMessage, b.serverCpuUsPerMessage))
      } | ${
        bareRedis
          ? ratio(
            nexusRedis.serverCpuUsPerMessage,
            bareRedis.serverCpuUsPerMessage,
          )
          : "–"
      } | ${ratio(nexusRedis.p99Ms, nexus.p99Ms)} | ${
        floor((a, b) => ratio(a.p99Ms, b.p99Ms))
      } |`;
    });
  const connections = results.connections.map((c) =>
    `| ${NAMES[c.target]} | ${c.sessions} | ${c.acceptMs} | ${
      c.rssPerSessionKiB.toFixed(1)
    } |`
  );
  const presenceRows = (["off", "on"] as const).map((setting) => {
    const runs = results.presence.filter((p) => p.presence === setting);
    return `| ${setting} | ${runs[0]?.sessions} | ${
      median(runs.map((p) => p.acceptMs))
    } | ${median(runs.map((p) => p.rssPerSessionKiB)).toFixed(1)} |`;
  });
  const { callSetup, pageWeight, coldStart, machine } = results;
  const markdown = `# Benchmarks

\`deno task bench\` measures everything below in one run on one machine (${machine.cores} cores; Deno ${machine.deno},
Node ${machine.node}, ${machine.chromium}), servers pinned to core 0 and load generators to core 1, and rewrites this page
and [results/latest.json](results/latest.json). \`deno task bench --quick\` runs a small version of each (CI runs it to
prove the harness works; no test asserts a timing). This run: ${results.date}, ${results.seconds} s.

## Signaling relay

Pairs of clients in accepted calls exchange 200-byte \`webrtc:candidate\` messages (PeerJS: \`CANDIDATE\` with \`dst\`) at
each offered rate for the step; latency from a timestamp in each message, in an HDR histogram; server CPU from
\`/proc/PID/stat\` (utime + stime) over the step, divided by the messages relayed. Nexus runs \`main.ts\` in open mode with
every validation and authorization on (its per-connection limits raised so the limiter is not what is measured); the
bare relay is [bare_relay.ts](bare_relay.ts) (parse, look up \`to\`, send); PeerJS is \`peer\` 1.0.2 on Node.

| server | pairs | offered msg/s | achieved msg/s | p50 ms | p99 ms | p99.9 ms | server CPU µs/msg |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

![server CPU per relayed message](results/chart.svg)

| step | Nexus / bare (goal ≤ 1.20) | Nexus / PeerJS (goal ≤ 0.80) | p99 ms, Nexus vs PeerJS |
| --- | --- | --- | --- |
${ratios.join("\n")}

### The delivery layer

The same steps with Nexus's clients joining with \`delivery=1\`, as the page does: each candidate numbered, each frame
acknowledging what the client took, the server numbering, keeping and acknowledging in turn
([docs/protocol.md](../docs/protocol.md#delivery)). Goal: ≤ 1.05× the CPU per message of clients without it.

| step | server CPU per message, without → with | p99 | characters added to a relayed frame |
| --- | --- | --- | --- |
${deliveryRows.join("\n")}

${recoverySection(results.deliveryRecovery)}

### What profiling found

\`--cpu-prof\` of Nexus under 1,000 pairs at 20,000 msg/s showed its JavaScript thread mostly idle: most of the cost of
a message is the runtime's own WebSocket I/O, which the bare relay pays too. What was Nexus's own:

- Deno's \`idleTimeout\` re-arms a timer on every message: about 3 µs per message, and most of the p99 at 1,000
  pairs (17.7 ms with it, 4.9 ms without, in an A/B run). Fixed: the page opts in with \`&heartbeat=1\` (it already
  sends \`ping\` every 15 s); for those sockets the server turns the idle timer off and the hub notes when it last
  heard each one, with one sweep for all. Other clients keep WebSocket-level pings.
- prom-client's labelled counter hashed its label object on every message: the labelled children are now resolved
  once per message type.
- What remains above the bare relay is the work Nexus exists to do: schema validation of every frame (valibot), the
  call-table check, and serializing each message again to stamp \`from\`.
- The PeerJS goal (≤ 0.80×) is this runtime's own floor here: the bare Deno relay, with no validation at all, costs
  ${
    ratio(
      find(results, "bare", 1000, 20_000)?.serverCpuUsPerMessage ?? 0,
      find(results, "peerjs", 1000, 20_000)?.serverCpuUsPerMessage ?? 1,
    )
  }× PeerJS at 1,000 pairs × 20,000 msg/s.

### Checking a change against the one before

\`deno task bench:ab [REF]\` runs the relay step (1,000 pairs at 10,000 and 20,000 msg/s) against REF (the commit
before by default) and this checkout in turn, three runs each, interleaved so that the machine's drift falls on both,
and prints each run and the medians. Splitting the hub into one file per rule and the call code into parts, measured
so against the commit before it on this machine (medians of 3, before → after): CPU per message 33.2 → 34.2 µs
(1.03×) at 10,000 msg/s and 26.1 → 26.0 µs (1.00×) at 20,000; p50 0.78 → 0.78 ms and 1.02 → 1.03 ms; p99 4.1 → 5.0
ms and 6.3 → 5.8 ms, where the three \`before\` runs alone spread from 3.8 to 5.6 ms: no change beyond this machine's
noise.

Putting the layers in order (lib's folders; the hub's core reached through this
instance's own inbox, a WebRTC message relayed through delivery's one path; the
relay latency held per session), measured so against the commit before that
work, \`deno task bench:ab 61f8c7c --runs 3\`: CPU per message 29.8 → 30.4 µs
(1.02×) at 10,000 msg/s and 26.4 → 25.5 µs (0.97×) at 20,000; p50 0.67 → 0.68 ms
and 0.82 → 0.82 ms; p99 4.2 → 3.7 ms and 4.7 → 4.6 ms. With both sides' clients
speaking the delivery layer (\`--delivery=both\`): CPU per message 52.2 → 50.0 µs
(0.96×) and 41.6 → 38.2 µs (0.92×); p99 22.8 → 36.0 ms and 61.6 → 80.5 ms, where
REF's own three runs spread from 21.8 to 27.7 ms and from 24.6 ms to 2.2 s: the
layer's tail is this machine's noise at its widest, and no regression.

### The delivery layer against the commit before it

\`deno task bench:ab c9ab9ba --delivery --runs 5\`: the relay step with this checkout's load clients speaking the delivery
layer as the page does (\`delivery=1\`: each candidate numbered, each frame acknowledging), against the commit before the
layer with plain clients, interleaved, medians of 5 (1,000 pairs): CPU per message 31.0 → 39.0 µs (1.26×) at 10,000
msg/s and 25.4 → 31.2 µs (1.23×) at 20,000; p50 0.67 → 0.76 ms and 1.07 → 1.06 ms; p99 6.0 → 21.2 ms and 11.5 → 47.7
ms. The goal of 1.05× is not met: the layer's cost per message (its numbers and acknowledgements parsed and written,
each message kept until acknowledged, the acknowledgements the sweep sends every 250 ms) is still to be profiled and
brought down. A call's own signaling is some tens of messages, so a page pays nothing it notices; a server relaying at
these rates does. Clients without \`delivery=1\` take the path they took before.

The server's own acknowledgements, next (commit d9412de): profiled at 1,000 pairs × 20,000 msg/s with \`--cpu-prof\`,
the server wrote an \`ack\` of its own for a fifth of the messages it took (34,581 for 180,000), up to 2,000 of them at
once at every 250 ms sweep, though each page's next message would have carried it within 0.1 s; every function of the
relay path then cost about twice what it did without the layer. The server now acknowledges within 1 s (the page keeps
250 ms; both stay inside the 2 s deadline), and a session is handed to the sweep once, not per message.
\`deno task bench:ab 1871322 --delivery=both --runs 3\` (both sides' clients speaking the layer), medians of 3: CPU per
message 39.4 → 35.0 µs (0.89×) at 10,000 msg/s and 31.9 → 28.3 µs (0.89×) at 20,000; p99 22.0 → 11.9 ms and 18.4 →
20.7 ms. What the layer still costs, \`deno task bench:ab HEAD --delivery --runs 3\` on that commit, its server without
and with the layer: 32.8 → 40.0 µs (1.22×) at 10,000 msg/s and 25.1 → 36.5 µs (1.45×) at 20,000, runs spreading by a
fifth either way. In the profile what remains is garbage collection (+270 ms of 2 s busy over 180,000 messages): each
message is kept, as a string, until its page acknowledges it, long enough to outlive the young generation. The 1.05×
goal is still not met.

## Many instances: in-process against Redis

The same ${
    results.scaleOut[0]?.pairs
  } pairs and rates, first all on one instance with the in-process engine, then with each pair split over two
instances sharing one \`redis-server\`, so that every message is one \`PUBLISH\` to the other instance; Nexus, then the
bare relay the same two ways ([bare_redis_relay.ts](bare_redis_relay.ts): the bare relay split over two instances, what
is for the other gathered for 1 ms into one \`PUBLISH\` through the same Redis client as Nexus's, none of Nexus's
rules). Server CPU is both instances' and Redis's; all of them share core 0, as the single instance does.

| server | engine | offered msg/s | achieved msg/s | p50 ms | p99 ms | server CPU µs/msg |
| --- | --- | --- | --- | --- | --- | --- |
${scaleOut.join("\n")}

| offered msg/s | CPU per message, Nexus: Redis / in-process (goal ≤ 1.5) | the same, bare relay | CPU per message over Redis, Nexus / bare | p99, Nexus: Redis / in-process (goal ≤ 3) | the same, bare relay |
| --- | --- | --- | --- | --- | --- |
${scaleOutRatios.join("\n")}

${wakeSection(results.wakeCost)}

Where the CPU over Redis goes, by \`--cpu-prof\` of one instance (200 pairs split over two instances, 10,000 msg/s, 5
s) and Redis's \`INFO commandstats\`: 5,009 \`PUBLISH\` for 50,000 messages (10 a batch; 4.6 µs each inside Redis);
in the instance, of 2.5 s not idle, node-redis's write of each \`PUBLISH\` 0.8 s (\`writeUtf8String\`, the sampled
wall time of the write, in which the core also runs Redis and the other instance), reading Redis's replies and the
other instance's batches 0.2 s, the clients' WebSocket frames 0.55 s, the hub's handling of them 0.35 s. What a batch
costs in all, by the number of batches: gathered for 4 ms instead of 1, half as many \`PUBLISH\` (2,490), 63.7 µs per
message instead of 77.8, the median latency 6.1 ms instead of 3.9: about 280 µs of CPU per batch across the two
instances and Redis, the price of three wake-ups. Tried and not kept (commit 1a3fb28, interleaved, two runs each, 10,000
msg/s): one batch in flight, the next sent when Redis answers the last, with no timer: batches became smaller (10,088 →
20,042 and 9,405 → 13,512 \`PUBLISH\`), CPU per message rose (74.2 → 92.0, 77.4 → 85.8 µs) though the median latency fell
(3.3 → 1.4, 4.4 → 2.7 ms); and the bare relay publishing each message at once instead of gathering 1 ms: 85.8 µs per
message and a p99 of 81.8 ms. Earlier (efd6d00 → its next commit), gathering for 1 ms instead of one turn of the event
loop: 92.4 → 68.4 µs per message (medians of three, 0.74×).

${redisVerdict(results.scaleOut)}

## Idle connections

Sessions that join and stay idle (Nexus with \`NEXUS_PRESENCE=off\`: with presence on, every join is news to every
other session), opened from several processes over 127.0.0.1–4. This machine allows 20,000 open files per process and
will not raise it, so the largest step is 19,500.

| server | sessions | time to accept all, ms | server RSS per session, KiB (goal ≤ 25) |
| --- | --- | --- | --- |
${connections.join("\n")}

What accepting a session cost above the bare relay, by \`--cpu-prof\` over 10,000 joins: 18 calls into the runtime for
each device id's randomness (182 ms in all) and a \`URLPattern\` tried per route until \`/ws\` matched (430 ms). A device
id's randomness is now drawn a block at a time, and a path that is a static route's pattern is found by one lookup
(commit 13740fe). The same 10,000 idle sessions, Nexus and the bare relay in turn, three rounds, medians: before, 4,313
ms against 2,572 ms (1.68×); after, 3,549 ms against 2,845 ms (1.25×; goal ≤ 1.3). The rest of the profile is the
runtime's own, and the bare relay pays it too: garbage collection, and a \`DOMException\` made for every upgraded
request's \`abortRequest\` in Deno's \`serve\`.

## Presence

The same joins with \`NEXUS_PRESENCE\` off and on (the default), interleaved, median of ${
    results.presence.length / 2
  } runs each: with presence on, every session hears of the others, gathered a 250 ms window at a time.

| presence | sessions | time to accept all, ms | server RSS per session, KiB |
| --- | --- | --- | --- |
${presenceRows.join("\n")}

Why presence cost twice the memory: a server-side WebSocket in Deno keeps, for as long as it is open, room for the most
that was ever queued on it at once. [ws_frame_memory.ts](ws_frame_memory.ts), plain \`Deno.serve\` and
\`upgradeWebSocket\` with none of Nexus, sends 2,000 sockets the same frames and reads the growth of resident memory per
socket a second later, everything written and read, each case in a process of its own: one frame of 200 bytes 1.2 KiB,
of 2,400 bytes 3.6 KiB, of 24,000 bytes 24.4 KiB; ten frames of 2,400 bytes back to back 33.5 KiB, the same ten one a
turn of the event loop apart 6.3 KiB. A \`presence:list\` of 2,000 users is 24 KB, and every session got one whole. The
page now joins with \`parts=1\` and gets a long list in parts of 100 users, one a turn
([docs/protocol.md](../docs/protocol.md)); clients that do not ask get it whole, as before. Measured with the bench's own
step while a browser test ran beside it (2,000 sessions, presence on, two rounds each): 73.8 and 67.9 KiB per session
before, 37.0 and 41.4 after; the table above is this run's. Sending the same changes as \`presence:update\`s instead
of lists costs more (267–310 KiB per session: many more frames queued at once). A session whose socket still holds
unsent data is sent no presence until it drains, and then the list once: a page that reads nothing does not have the
server queue every change for it.

## Call setup

From pressing **Accept** to the first remote video frame on both sides (\`requestVideoFrameCallback\`), headless
Chromium with fake devices, two pages, median of ${callSetup.calls} calls: **${callSetup.medianMs} ms**. The machine's floor, two
peer connections wired directly inside one page (from the callee's \`getUserMedia\` to the first frame on both):
**${callSetup.floorMedianMs} ms**. Ratio **${callSetup.ratio}** (goal ≤ 1.15).

A person's first call, two fresh pages each in a new browser context, answered after ${callSetup.first.ringMs} ms of ringing (a person
hears the ring before pressing Accept, and takes longer than that), median of ${callSetup.first.calls}: **${callSetup.first.medianMs} ms**,
against the floor's first run in a fresh page, **${callSetup.first.floorMedianMs} ms**: ratio **${callSetup.first.ratio}** (goal ≤ 1.3).
Answered the moment Accept shows, which no person does, the same fresh pages take **${callSetup.first.atOnceMedianMs} ms**
(**${callSetup.first.atOnceRatio}×**): the callee's camera and connection are still being prepared.
The caller's offer and candidates reach the callee's page while it rings, and its camera and microphone start
meanwhile, so Accept sends the answer at once
([docs/protocol.md](../docs/protocol.md), "Prepared while it rings"). Before that change, in the run at commit 32bcd22: warm calls 207 ms against a floor of
136 ms (1.52×); in the lab, 219 ms on one LAN, 323 ms cone to cone, 360 ms relayed over UDP, 410 ms relayed over TLS.

## Call setup across networks

${labSection(results.labSetup)}

## Calls on bad networks

${badNetworksSection(results.badNetworks)}

## Page weight and start

| | JavaScript, gzip |
| --- | --- |
| Nexus call page (everything it loads) | ${kb(pageWeight.nexusGzipBytes)} KB |
| React 19 + react-dom + Zustand, a store and one component ([react_app.ts](react_app.ts)) | ${
    kb(pageWeight.reactZustandGzipBytes)
  } KB |

Nexus is ${pageWeight.ratio} of the React bundle (goal: the call page ≤ 30 KB). Cold start, from spawning \`main.ts\` to
the first 200 for \`/\`: median **${coldStart.medianMs} ms**.

## Accounts

${accountsSection(results.accounts)}

## Ringing a closed browser

${pushSection(results.push)}

## Call links

${callLinksSection(results.callLinks)}
`;
  await Deno.writeTextFile(`${ROOT}/bench/README.md`, markdown);
  // Written as `deno fmt` would, so that `deno task check` stays green after a run.
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", "bench/README.md"],
    cwd: ROOT,
  }).output();
  await Deno.writeTextFile(`${ROOT}/bench/results/chart.svg`, chart(results));
}
