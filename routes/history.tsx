import type { Handlers } from "$fresh/server.ts";
import CallHistory from "../islands/CallHistory.tsx";
import { server } from "../lib/server/server.ts";

/** `/history` exists in accounts mode only. */
export const handler: Handlers = {
  GET: (_req, ctx) => server().accounts ? ctx.render() : ctx.renderNotFound(),
};

export default function HistoryPage() {
  return <CallHistory />;
}
