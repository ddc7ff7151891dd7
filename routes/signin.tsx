import type { Handlers, PageProps } from "$fresh/server.ts";
import SignIn, { type SignInProps } from "../islands/SignIn.tsx";
import type { RequestState } from "./_middleware.ts";

/** `/signin`, in accounts mode: the invite in the link is looked up first. */
export const handler: Handlers<SignInProps, RequestState> = {
  async GET(req, ctx) {
    const accounts = ctx.state.server.accounts?.accounts;
    if (!accounts) return ctx.renderNotFound();
    const code = new URL(req.url).searchParams.get("invite");
    const invite = code && accounts.started
      ? await accounts.invite(code)
      : null;
    return ctx.render({
      invite: invite ? code : null,
      invitedId: invite?.userId ?? null,
      inviteGone: code !== null && !invite,
      singleSignOn: accounts.singleSignOnName,
    });
  },
};

export default function SignInPage({ data }: PageProps<SignInProps>) {
  return <SignIn {...data} />;
}
