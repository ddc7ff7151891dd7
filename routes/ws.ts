import type { Handlers } from "$fresh/server.ts";
import { upgradeSignaling } from "../lib/server/websocket.ts";
import type { RequestState } from "./_middleware.ts";

export const handler: Handlers<unknown, RequestState> = {
  GET: (req, ctx) =>
    upgradeSignaling(req, ctx.state.clientAddress, ctx.state.server.signaling),
};
