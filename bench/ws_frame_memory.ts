/**
 * Plain Deno, none of Nexus: how much memory a server-side WebSocket keeps
 * after sending, by how much was queued on it at once.
 * `deno run -A bench/ws_frame_memory.ts [SOCKETS]`.
 *
 * Each case in a process of its own (memory freed by one case would be
 * taken again by the next): SOCKETS sockets to a bare `Deno.serve` +
 * `Deno.upgradeWebSocket` server from a child process that reads
 * everything; each socket is sent the same frames, back to back or one a
 * turn of the event loop; a second later, the growth of the process's
 * resident memory per socket. A socket keeps room for the most that was
 * queued on it at once, for as long as it lives: a `presence:list` of
 * 2,000 users (24 KB) sent whole costs each session about 24 KB, the same
 * bytes in parts of 2.4 KB back to back more, and one part a turn a tenth.
 */
const sockets = Number(Deno.args[0] ?? 2_000);
const [role, ...rest] = Deno.args.slice(1);

if (role === "clients") {
  const port = Number(rest[0]);
  const hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"];
  for (let i = 0; i < sockets; i++) {
    new WebSocket(`ws://${hosts[i % hosts.length]}:${port}/`).onmessage =
      () => {};
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise(() => {});
}

/** Resident memory gained per socket by sending each `frames` frames of `size` bytes. */
async function kibPerSocket(
  size: number,
  frames: number,
  aTurnApart: boolean,
): Promise<number> {
  const open: WebSocket[] = [];
  let allOpen: () => void;
  const opened = new Promise<void>((resolve) => allOpen = resolve);
  const server = Deno.serve({ port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onopen = () => {
      open.push(socket);
      if (open.length === sockets) allOpen();
    };
    return response;
  });
  const clients = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      import.meta.filename!,
      String(sockets),
      "clients",
      String(server.addr.port),
    ],
    stdout: "null",
  }).spawn();
  await opened;
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = Deno.memoryUsage().rss;
  const text = "x".repeat(size);
  for (let frame = 0; frame < frames; frame++) {
    for (const socket of open) socket.send(text);
    if (aTurnApart) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const after = Deno.memoryUsage().rss;
  clients.kill();
  await clients.status;
  await server.shutdown();
  return Math.round((after - before) / sockets / 102.4) / 10;
}

if (role === "case") {
  const [size, frames, aTurnApart] = rest;
  console.log(
    await kibPerSocket(Number(size), Number(frames), aTurnApart === "1"),
  );
  Deno.exit(0);
}

const cases = [
  { frameBytes: 200, frames: 1, aTurnApart: false },
  { frameBytes: 2_400, frames: 1, aTurnApart: false },
  { frameBytes: 24_000, frames: 1, aTurnApart: false },
  { frameBytes: 2_400, frames: 10, aTurnApart: false },
  { frameBytes: 2_400, frames: 10, aTurnApart: true },
];
for (const each of cases) {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      import.meta.filename!,
      String(sockets),
      "case",
      String(each.frameBytes),
      String(each.frames),
      each.aTurnApart ? "1" : "0",
    ],
    stderr: "inherit",
  }).output();
  const kib = Number(new TextDecoder().decode(stdout).trim());
  console.log(JSON.stringify({ sockets, ...each, kib }));
}
