import type { Handlers } from "$fresh/server.ts";
import { server } from "../lib/server.ts";
import { upgradeSignaling } from "../lib/signaling/websocket.ts";

export const handler: Handlers = {
  GET: (req, ctx) =>
    upgradeSignaling(req, ctx.remoteAddr.hostname, server().signaling),
};
