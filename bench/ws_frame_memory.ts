/**
 * Plain Deno, none of Nexus: how much memory a server-side WebSocket keeps
 * after sending one frame, by the frame's size.
 * `deno run -A bench/ws_frame_memory.ts [SOCKETS]`.
 *
 * Opens SOCKETS sockets to a bare `Deno.serve` + `Deno.upgradeWebSocket`
 * server from a child process that reads everything, sends each socket the
 * same text once, waits a second, and prints the growth of the process's
 * resident memory per socket. Presence's cost is this: a session that was
 * sent a `presence:list` of 2,000 users (24 KB) keeps about that much for as
 * long as it stays, though everything was written and read.
 */
const sockets = Number(Deno.args[0] ?? 2_000);

if (Deno.args[1] === "clients") {
  const port = Number(Deno.args[2]);
  const hosts = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"];
  for (let i = 0; i < sockets; i++) {
    new WebSocket(`ws://${hosts[i % hosts.length]}:${port}/`).onmessage =
      () => {};
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise(() => {});
}

/** Resident memory gained per socket by sending each a frame of `size` bytes. */
async function kibPerSocket(size: number): Promise<number> {
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
  for (const socket of open) socket.send(text);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const after = Deno.memoryUsage().rss;
  clients.kill();
  await clients.status;
  await server.shutdown();
  return Math.round((after - before) / sockets / 102.4) / 10;
}

for (const size of [200, 2_400, 24_000]) {
  console.log(
    JSON.stringify({
      sockets,
      frameBytes: size,
      kib: await kibPerSocket(size),
    }),
  );
}
