import type { Handlers } from "$fresh/server.ts";
import ContactsManager from "../islands/ContactsManager.tsx";
import type { RequestState } from "./_middleware.ts";

/** `/contacts` exists in accounts mode only. */
export const handler: Handlers<unknown, RequestState> = {
  GET: (_req, ctx) =>
    ctx.state.server.accounts ? ctx.render() : ctx.renderNotFound(),
};

export default function ContactsPage() {
  return <ContactsManager />;
}
