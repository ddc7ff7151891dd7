/**
 * Calls on bad networks, in the network lab: how long media takes to come
 * back when one side moves to another network mid-call (each way round,
 * several moves a call), and how much of the audio is made up for lost
 * packets under 5% loss and as a link narrows to 300 kbit/s, with the
 * page's audio protection and without it (a script run first takes it
 * away), the two taking turns. Needs root (network namespaces): elsewhere it
 * says why it did not run.
 */
import type { CallPage } from "../tests/support/call_page.ts";
import {
  type LabCalls,
  openLabCalls,
  placeCall,
  receivedOver,
  untilVideoBack,
  WITHOUT_AUDIO_PROTECTION,
  WITHOUT_LASTING_CERTIFICATE,
} from "../tests/support/lab/calls.ts";
import type { HostName, NetworkName } from "../tests/support/lab/network.ts";
import { labMissing } from "./lab_setup.ts";
import { median } from "./support.ts";

/**
 * How the pages recover from a move: by renewing the connection (`renewal.ts`),
 * or by an ICE restart, as pages without a lasting certificate do.
 */
export type Recovery = "renewed" | "restarted";

/** The recovery after moves of one side: the time until both pages show video again. */
export interface SwitchRecovery {
  mover: "caller" | "callee";
  recovery: Recovery;
  samplesMs: number[];
  medianMs: number;
  p90Ms: number;
}

/** The audio made up under one bad link, with the page's protection and without. */
export interface Concealment {
  link: string;
  protectedPercent: number[];
  unprotectedPercent: number[];
  protectedMedian: number;
  unprotectedMedian: number;
}

/** What the bad-network benchmark measured, or why it did not run. */
export type BadNetworks =
  | { switches: SwitchRecovery[]; concealment: Concealment[] }
  | { skipped: string };

/** The `q` quantile of `values`, nearest rank. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long each concealment reading listens. */
const LISTEN_MS = 10_000;

let calls = 0;

/** A call from `from` to `to`, both pages showing video. */
async function call(
  lab: LabCalls,
  from: HostName,
  to: HostName,
  before = "",
): Promise<[CallPage, CallPage]> {
  const [alice, bob] = [`alice${calls}`, `bob${calls++}`];
  const caller = await lab.signIn(from, alice, { before });
  const callee = await lab.signIn(to, bob, { before });
  await placeCall(caller, alice, callee, bob);
  return [caller, callee];
}

/**
 * `moves` moves of one side within one call, back and forth between two
 * networks, recovered as `recovery` says; the side goes home afterwards.
 */
async function switches(
  lab: LabCalls,
  mover: "caller" | "callee",
  recovery: Recovery,
  moves: number,
  log: (line: string) => void,
): Promise<SwitchRecovery> {
  const [hosts, networks]: [[HostName, HostName], NetworkName[]] =
    mover === "caller"
      ? [["home1a", "home2"], ["sym1", "home1"]]
      : [["home1b", "home2"], ["sym2", "home1"]];
  const moving = hosts[mover === "caller" ? 0 : 1];
  const pages = await call(
    lab,
    ...hosts,
    recovery === "renewed" ? "" : WITHOUT_LASTING_CERTIFICATE,
  );
  const samples: number[] = [];
  try {
    for (let move = 0; move < moves; move++) {
      log(
        `bad networks: the ${mover} moves, ${recovery}, ${
          move + 1
        } of ${moves}`,
      );
      const moved = Date.now();
      lab.lab.moveHost(moving, networks[move % networks.length]);
      const gaps = await Promise.all(
        pages.map((page) => untilVideoBack(page, moved, 30_000)),
      );
      samples.push(Math.max(...gaps));
      await sleep(2_000);
    }
  } finally {
    for (const page of pages) await page.close();
    if (moves % networks.length !== 0) lab.lab.moveHost(moving, "home1");
  }
  return {
    mover,
    recovery,
    samplesMs: samples,
    medianMs: Math.round(median(samples)),
    p90Ms: Math.round(quantile(samples, 0.9)),
  };
}

/** The audio concealed on both pages (their mean) under `impair`, `trials` calls each way, taking turns. */
async function concealment(
  lab: LabCalls,
  link: string,
  impair: () => void,
  settleMs: number,
  trials: number,
  log: (line: string) => void,
): Promise<Concealment> {
  const percent: Record<"protected" | "unprotected", number[]> = {
    protected: [],
    unprotected: [],
  };
  for (let trial = 0; trial < trials; trial++) {
    for (const kind of ["protected", "unprotected"] as const) {
      log(`bad networks: ${link}, ${kind}, ${trial + 1} of ${trials}`);
      const pages = await call(
        lab,
        "home1a",
        "home2",
        kind === "protected" ? "" : WITHOUT_AUDIO_PROTECTION,
      );
      try {
        impair();
        await sleep(settleMs);
        const received = await receivedOver(pages, LISTEN_MS);
        percent[kind].push(
          received.reduce((sum, each) => sum + each.concealedPercent, 0) /
            received.length,
        );
      } finally {
        lab.lab.repair("home2");
        for (const page of pages) await page.close();
      }
    }
  }
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    link,
    protectedPercent: percent.protected.map(round),
    unprotectedPercent: percent.unprotected.map(round),
    protectedMedian: round(median(percent.protected)),
    unprotectedMedian: round(median(percent.unprotected)),
  };
}

/** Switch recovery (`moves` a direction) and concealment (`trials` calls a case). */
export async function badNetworks(
  moves: number,
  trials: number,
  log: (line: string) => void,
): Promise<BadNetworks> {
  const why = labMissing();
  if (why) {
    log(`bad networks: skipped, ${why}`);
    return { skipped: why };
  }
  const lab = await openLabCalls();
  try {
    // Concealment first: the moves leave the hosts on other networks than their own.
    return {
      concealment: [
        await concealment(
          lab,
          "5% loss each way",
          () => lab.lab.impair("home2", { lossPercent: 5 }),
          1_000,
          trials,
          log,
        ),
        // The first seconds at the new rate are the hard ones: the queue fills before
        // the sender learns to send less.
        await concealment(
          lab,
          "300 kbit/s, the first 10 s",
          () => lab.lab.impair("home2", { rateKbit: 300 }),
          0,
          trials,
          log,
        ),
      ],
      // Each side's moves, renewed and then restarted, so that the two ways meet the
      // same lab minutes apart.
      switches: [
        await switches(lab, "caller", "renewed", moves, log),
        await switches(lab, "caller", "restarted", moves, log),
        await switches(lab, "callee", "renewed", moves, log),
        await switches(lab, "callee", "restarted", moves, log),
      ],
    };
  } finally {
    await lab.close();
  }
}
