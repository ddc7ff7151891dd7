/**
 * Call links over real HTTP and sockets, as an outside client meets them:
 * an owner makes a link through `/auth/links/create`, and a guest joins
 * `/ws` with it. Test-only.
 */
import assert from "node:assert/strict";
import type { AppProcess } from "./app_process.ts";
import { type Person, post } from "./accounts.ts";
import { TestClient } from "./ws_client.ts";

/** A link `owner` made: its secret and its id. */
export interface MadeLink {
  secret: string;
  id: string;
}

/** `owner` makes a link through `app`; it must be made. */
export async function makeLink(
  app: AppProcess,
  owner: Person,
  request: { label: string; hours?: number; once?: boolean },
): Promise<MadeLink> {
  const response = await post(app, "links/create", {
    hours: 24,
    ...request,
  }, { cookie: owner.cookie });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const { made } = JSON.parse(text);
  return { secret: made.secret, id: made.link.id };
}

/** The `/ws` URL of `app` a guest joins with `link`, under `name`, from `device`. */
export function guestUrl(
  app: AppProcess,
  link: MadeLink,
  name: string,
  device: string,
): string {
  const query = new URLSearchParams({
    link: link.secret,
    name,
    deviceId: device,
  });
  return `${app.http.replace("http", "ws")}/ws?${query}`;
}

/** A guest joined through `link`, once it has its (empty) presence list. */
export function joinAsGuest(
  app: AppProcess,
  link: MadeLink,
  name: string,
  device = `guest-${crypto.randomUUID().slice(0, 8)}`,
): Promise<TestClient> {
  const [base, query] = guestUrl(app, link, name, device).split("?");
  return TestClient.join(base, `~${link.id}`, query);
}

/** A guest the server refuses once the socket opened: the close's code and reason. */
export async function refusedGuest(
  app: AppProcess,
  link: MadeLink,
  device = `guest-${crypto.randomUUID().slice(0, 8)}`,
): Promise<{ code: number; reason: string }> {
  const client = TestClient.open(
    guestUrl(app, link, "Someone", device),
    `~${link.id}`,
  );
  const { code, reason } = await client.closed;
  return { code, reason };
}

/** What the link's page answers: its status and the sentence it shows. */
export async function linkPage(
  app: AppProcess,
  secret: string,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${app.http}/call/${secret}`);
  return { status: response.status, text: await response.text() };
}
