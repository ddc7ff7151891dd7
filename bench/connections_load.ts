/**
 * Idle sessions, run in its own process:
 * `connections_load.ts TARGET PORT FIRST COUNT HOST[,HOST…]`.
 *
 * Opens COUNT sessions (ids FIRST…), spread over the given 127.0.0.x
 * addresses so that no address runs out of ports, prints one JSON line when
 * all are signed in, then holds them until its standard input closes.
 */
import { clientUrl, type Target } from "./support.ts";

const [target, portText, firstText, countText, hostsText] = Deno.args as [
  Target,
  string,
  string,
  string,
  string,
];
const hosts = hostsText.split(",");
const first = Number(firstText);
const count = Number(countText);
const started = performance.now();
const sockets: WebSocket[] = [];

function open(i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(
      clientUrl(
        target,
        hosts[i % hosts.length],
        Number(portText),
        `idle${first + i}`,
      ),
    );
    sockets.push(socket);
    socket.onerror = () =>
      reject(new Error(`idle${first + i} could not connect`));
    if (target === "bare") socket.onopen = () => resolve();
    else socket.onmessage = () => resolve();
  });
}

for (let i = 0; i < count; i += 200) {
  await Promise.all(
    Array.from({ length: Math.min(200, count - i) }, (_, j) => open(i + j)),
  );
}
console.log(
  JSON.stringify({
    opened: sockets.length,
    ms: Math.round(performance.now() - started),
  }),
);
for await (const _ of Deno.stdin.readable) {
  // Hold the sessions until the orchestrator closes standard input.
}
