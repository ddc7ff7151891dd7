import type { Handlers } from "$fresh/server.ts";
import { signalingEndpoint } from "../lib/signaling/instance.ts";
import { upgradeSignaling } from "../lib/signaling/websocket.ts";

export const handler: Handlers = {
  GET: (req, ctx) =>
    upgradeSignaling(req, ctx.remoteAddr.hostname, signalingEndpoint()),
};
