import type { Handlers } from "$fresh/server.ts";
import ContactsManager from "../islands/ContactsManager.tsx";
import { server } from "../lib/server/server.ts";

/** `/contacts` exists in accounts mode only. */
export const handler: Handlers = {
  GET: (_req, ctx) => server().accounts ? ctx.render() : ctx.renderNotFound(),
};

export default function ContactsPage() {
  return <ContactsManager />;
}
