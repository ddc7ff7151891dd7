import type { Handlers } from "$fresh/server.ts";
import AccountSettings from "../islands/AccountSettings.tsx";
import { server } from "../lib/server/server.ts";

/** `/settings` exists in accounts mode only. */
export const handler: Handlers = {
  GET: (_req, ctx) => server().accounts ? ctx.render() : ctx.renderNotFound(),
};

export default function SettingsPage() {
  return <AccountSettings />;
}
