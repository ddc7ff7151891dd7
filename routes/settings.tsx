import type { Handlers, PageProps } from "$fresh/server.ts";
import AccountSettings from "../islands/AccountSettings.tsx";
import type { RequestState } from "./_middleware.ts";

/** Whether closed browsers may ring (`NEXUS_PUSH`) and call links work (`NEXUS_CALL_LINKS`): on unless turned off. */
interface SettingsData {
  push: boolean;
  callLinks: boolean;
}

/** `/settings` exists in accounts mode only. */
export const handler: Handlers<SettingsData, RequestState> = {
  GET: (_req, ctx) => {
    const { config, accounts } = ctx.state.server;
    if (!accounts) return ctx.renderNotFound();
    return ctx.render({
      push: Boolean(config.accounts?.push),
      callLinks: Boolean(config.accounts?.callLinks),
    });
  },
};

export default function SettingsPage({ data }: PageProps<SettingsData>) {
  return <AccountSettings push={data.push} callLinks={data.callLinks} />;
}
