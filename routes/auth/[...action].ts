import type { FreshContext, Handlers } from "$fresh/server.ts";
import type { RequestState } from "../_middleware.ts";

/** `/auth/<action>`: the accounts' JSON endpoints, in accounts mode only. */
function handle(
  req: Request,
  ctx: FreshContext<RequestState>,
): Promise<Response> {
  const accounts = ctx.state.server.accounts;
  if (!accounts) return ctx.renderNotFound();
  return accounts.handle(req, ctx.params.action, ctx.state.clientAddress);
}

export const handler: Handlers<unknown, RequestState> = {
  GET: handle,
  POST: handle,
};
