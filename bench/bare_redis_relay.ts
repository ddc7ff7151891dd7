/**
 * The runtime's floor over Redis: `bare_relay.ts` split over instances that
 * share one Redis, in a few more lines — `bare_redis_relay.ts PORT REDIS_URL
 * CHANNEL OTHER_CHANNEL`. A message for a socket on this instance goes
 * straight to it; any other goes to the other instance's channel, gathered
 * for 1 ms into one PUBLISH as Nexus gathers them, through the same Redis
 * client. No validation, no authorization, no calls, no presence.
 */
import { createClient } from "redis";

const [port, url, channel, other] = Deno.args;
const sockets = new Map<string, WebSocket>();
const publisher = createClient({ url });
const subscriber = createClient({ url });
await Promise.all([publisher.connect(), subscriber.connect()]);
await subscriber.subscribe(channel, (batch) => {
  for (const text of JSON.parse(batch) as string[]) {
    sockets.get(JSON.parse(text).payload?.to)?.send(text);
  }
});
let outbox: string[] = [];
Deno.serve(
  { port: Number(port), hostname: "0.0.0.0", onListen() {} },
  (req) => {
    const id = new URL(req.url).searchParams.get("id") ?? "";
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onopen = () => sockets.set(id, socket);
    socket.onclose = () => sockets.delete(id);
    socket.onmessage = (event) => {
      const to = sockets.get(JSON.parse(event.data).payload?.to);
      if (to) return to.send(event.data);
      if (outbox.push(event.data) > 1) return;
      setTimeout(() => {
        publisher.publish(other, JSON.stringify(outbox));
        outbox = [];
      }, 1);
    };
    return response;
  },
);
