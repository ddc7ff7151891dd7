/**
 * The relay load generator, run in its own process:
 * `relay_load.ts TARGET PORT[,PORT] SERVER_PID[,PID…] PAIRS SECONDS RATE[,RATE…] [delivery]`.
 *
 * With `delivery`, Nexus's clients join with `delivery=1` and speak the
 * delivery layer as the page does: each candidate numbered (`seq`), each
 * frame acknowledging what the client took of the server's (`ack`).
 *
 * With two ports, each pair's first client joins the first server and the
 * second client the second, so every message crosses between instances; the
 * server CPU is that of every process in SERVER_PID.
 * PAIRS pairs of clients, each pair in an accepted call where the server
 * needs one, exchange 200-byte `webrtc:candidate` messages (PeerJS:
 * `CANDIDATE` with `dst`) at each offered rate in turn. Each message carries
 * its send time; the receiver records the latency in an HDR histogram. The
 * server's CPU time over each step comes from /proc. One JSON line per rate.
 */
import * as hdr from "hdr-histogram-js";
import { clientUrl, cpuTicks, type Target, TICK_US } from "./support.ts";

const [target, portsText, pidsText, pairsText, secondsText, ratesText, mode] =
  Deno.args as [
    Target,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
const delivery = target === "nexus" && mode === "delivery";
const ports = portsText.split(",").map(Number);
const serverPids = pidsText.split(",").map(Number);
const serverTicks = () =>
  serverPids.reduce((sum, pid) => sum + cpuTicks(pid), 0);
const pairs = Number(pairsText);
const seconds = Number(secondsText);
const rates = ratesText.split(",").map(Number);

interface Client {
  id: string;
  peer: string;
  socket: WebSocket;
  /** With delivery: how many numbered messages it sent, and took of the server's. */
  sent: number;
  taken: number;
}

let histogram = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 60_000_000,
  numberOfSignificantValueDigits: 3,
});
let received = 0;
/** UTF-16 units of the relayed frames received, to tell what the delivery layer adds. */
let receivedUnits = 0;

function open(id: string, peer: string, port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const url = clientUrl(target, "127.0.0.1", port, id) +
      (delivery ? `&delivery=1&deviceId=${id}` : "");
    const socket = new WebSocket(url);
    const client = { id, peer, socket, sent: 0, taken: 0 };
    socket.onerror = () => reject(new Error(`${id} could not connect`));
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (
        message.type === "session:ready" || message.type === "OPEN" ||
        target === "bare"
      ) {
        socket.onmessage = (event) => {
          const message = JSON.parse(event.data);
          if (typeof message.seq === "number") client.taken = message.seq;
          const sentAt = message.payload?.t;
          if (typeof sentAt !== "number") return;
          received++;
          receivedUnits += event.data.length;
          histogram.recordValue(
            Math.max(1, Math.round((performance.now() - sentAt) * 1000)),
          );
        };
        resolve(client);
      }
    };
    if (target === "bare") socket.onopen = () => resolve(client);
  });
}

/** Connects the pairs, a few at a time, and puts each pair in a call where the server needs one. */
async function connect(): Promise<Client[]> {
  const clients: Client[] = [];
  for (let i = 0; i < pairs; i += 50) {
    const batch = [];
    for (let j = i; j < Math.min(pairs, i + 50); j++) {
      batch.push(
        open(`a${j}`, `b${j}`, ports[0]),
        open(`b${j}`, `a${j}`, ports.at(-1)!),
      );
    }
    clients.push(...await Promise.all(batch));
  }
  if (target === "nexus") {
    for (let i = 0; i < clients.length; i += 2) {
      const [caller, callee] = [clients[i], clients[i + 1]];
      const answered = new Promise<void>((resolve) => {
        const listen = callee.socket.onmessage!;
        callee.socket.onmessage = (event) => {
          if (JSON.parse(event.data).type === "call:request") {
            callee.socket.onmessage = listen;
            callee.socket.send(
              JSON.stringify({
                type: "call:response",
                payload: { to: caller.id, accepted: true },
              }),
            );
            resolve();
          }
        };
      });
      caller.socket.send(
        JSON.stringify({
          type: "call:request",
          payload: { to: callee.id, hasVideo: true, hasAudio: true },
        }),
      );
      await answered;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return clients;
}

/** A 200-byte candidate message from `client` to its peer. */
function frame(client: Client): string {
  const candidate = { candidate: "", sdpMid: "0", sdpMLineIndex: 0 };
  const build = () =>
    JSON.stringify(
      target === "peerjs"
        ? {
          type: "CANDIDATE",
          dst: client.peer,
          payload: { candidate, t: performance.now() },
        }
        : {
          type: "webrtc:candidate",
          payload: { to: client.peer, candidate, t: performance.now() },
        },
    );
  candidate.candidate = "candidate:1 1 udp 2122260223 127.0.0.1 ".padEnd(
    Math.max(0, 200 - build().length + 40),
    "x",
  );
  // The same 200 bytes of message, with the delivery layer's numbers in front.
  const text = build();
  return delivery
    ? `{"seq":${client.sent + 1},"ack":${client.taken},${text.slice(1)}`
    : text;
}

/** Sends at `rate` messages per second, spread over every client, for `ms`. */
async function drive(
  clients: Client[],
  rate: number,
  ms: number,
): Promise<number> {
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < ms) {
    const due = Math.floor((rate * (performance.now() - start)) / 1000) - sent;
    for (let i = 0; i < due; i++) {
      const client = clients[sent++ % clients.length];
      if (client.socket.bufferedAmount < 1_000_000) {
        client.socket.send(frame(client));
        client.sent++;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return sent;
}

const clients = await connect();
console.error(`${target}: ${clients.length} clients in ${pairs} pairs`);
await drive(clients, rates[0], 1_000); // warm-up
for (const rate of rates) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  received = 0;
  receivedUnits = 0;
  const ticksBefore = serverTicks();
  const started = performance.now();
  const sent = await drive(clients, rate, seconds * 1000);
  const sendingMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 300));
  const ticks = serverTicks() - ticksBefore;
  console.log(JSON.stringify({
    target,
    pairs,
    offered: rate,
    sent,
    received,
    achieved: Math.round((received / sendingMs) * 1000),
    p50Ms: histogram.getValueAtPercentile(50) / 1000,
    p99Ms: histogram.getValueAtPercentile(99) / 1000,
    p999Ms: histogram.getValueAtPercentile(99.9) / 1000,
    serverCpuUsPerMessage: received
      ? Math.round(((ticks * TICK_US) / received) * 100) / 100
      : null,
    delivery,
    frameUnits: received ? Math.round(receivedUnits / received) : null,
  }));
}
for (const client of clients) client.socket.close();
Deno.exit(0);
