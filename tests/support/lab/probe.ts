/**
 * The lab's own instruments, run inside a namespace:
 * - `reflect ADDRESS PORT…`: answers each UDP datagram with the address and
 *   port it came from, as this side sees them (a STUN server's job, plainly);
 * - `mapping ADDRESS PORT PORT`: from one UDP socket, asks the reflector on
 *   both ports; prints the two mapped addresses as JSON (`null` when no
 *   answer came: UDP is blocked);
 * - `tcp ADDRESS PORT`: whether a TCP connection opens, as JSON;
 * - `pipe ADDRESS PORT`: carries standard input to a TCP connection and the
 *   connection back to standard output (how a browser's debugging port inside
 *   a namespace is reached from outside it).
 * @module
 */
import { createSocket } from "node:dgram";

const [command, address, ...ports] = Deno.args;

function reflect(): void {
  for (const port of ports) {
    const socket = createSocket("udp4");
    socket.on("message", (_, from) => {
      socket.send(`${from.address}:${from.port}`, from.port, from.address);
    });
    socket.bind(Number(port), address);
  }
  console.log("ready");
}

async function mapping(): Promise<void> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  const ask = (port: number) =>
    new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 1_000);
      socket.once("message", (message) => {
        clearTimeout(timer);
        resolve(message.toString());
      });
      socket.send("?", port, address);
    });
  const seen = [];
  for (const port of ports) seen.push(await ask(Number(port)));
  socket.close();
  console.log(JSON.stringify(seen));
}

async function tcp(): Promise<void> {
  const connecting = Deno.connect({
    hostname: address,
    port: Number(ports[0]),
  });
  const timeout = new Promise<null>((resolve) =>
    setTimeout(() => resolve(null), 1_500)
  );
  const connection = await Promise.race([
    connecting.catch(() => null),
    timeout,
  ]);
  console.log(JSON.stringify(connection !== null));
  connection?.close();
  Deno.exit(0);
}

async function pipe(): Promise<void> {
  const connection = await Deno.connect({
    hostname: address,
    port: Number(ports[0]),
  });
  await Promise.allSettled([
    Deno.stdin.readable.pipeTo(connection.writable),
    connection.readable.pipeTo(Deno.stdout.writable),
  ]);
}

if (command === "reflect") reflect();
else if (command === "pipe") await pipe();
else if (command === "mapping") await mapping();
else if (command === "tcp") await tcp();
else throw new Error(`unknown command ${command}`);
