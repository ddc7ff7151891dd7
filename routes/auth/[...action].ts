import type { FreshContext, Handlers } from "$fresh/server.ts";
import { server } from "../../lib/server.ts";

/** `/auth/<action>`: the accounts' JSON endpoints, in accounts mode only. */
function handle(req: Request, ctx: FreshContext): Promise<Response> {
  const accounts = server().accounts;
  if (!accounts) return ctx.renderNotFound();
  return accounts.handle(req, ctx.params.action, ctx.remoteAddr.hostname);
}

export const handler: Handlers = { GET: handle, POST: handle };
