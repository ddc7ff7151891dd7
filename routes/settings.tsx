import type { Handlers } from "$fresh/server.ts";
import AccountSettings from "../islands/AccountSettings.tsx";
import type { RequestState } from "./_middleware.ts";

/** `/settings` exists in accounts mode only. */
export const handler: Handlers<unknown, RequestState> = {
  GET: (_req, ctx) =>
    ctx.state.server.accounts ? ctx.render() : ctx.renderNotFound(),
};

export default function SettingsPage() {
  return <AccountSettings />;
}
