import type { Handlers } from "$fresh/server.ts";
import CallHistory from "../islands/CallHistory.tsx";
import type { RequestState } from "./_middleware.ts";

/** `/history` exists in accounts mode only. */
export const handler: Handlers<unknown, RequestState> = {
  GET: (_req, ctx) =>
    ctx.state.server.accounts ? ctx.render() : ctx.renderNotFound(),
};

export default function HistoryPage() {
  return <CallHistory />;
}
