/**
 * The runtime's floor: a WebSocket relay in a few lines of Deno — parse,
 * look up `to`, send. No validation, no authorization, no calls.
 */
const sockets = new Map<string, WebSocket>();
Deno.serve(
  { port: Number(Deno.args[0]), hostname: "0.0.0.0", onListen() {} },
  (req) => {
    const id = new URL(req.url).searchParams.get("id") ?? "";
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onopen = () => sockets.set(id, socket);
    socket.onclose = () => sockets.delete(id);
    socket.onmessage = (event) =>
      sockets.get(JSON.parse(event.data).payload?.to)?.send(event.data);
    return response;
  },
);
