import type { Handlers } from "$fresh/server.ts";
import { signalingHub } from "../lib/signaling/instance.ts";
import { upgradeSignaling } from "../lib/signaling/websocket.ts";

export const handler: Handlers = {
  GET: (req) => upgradeSignaling(req, signalingHub()),
};
