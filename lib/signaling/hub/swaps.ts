/**
 * Every change of a call is an atomic swap in the engine, which fails when
 * another instance changed the call first; this is how such a change is
 * tried again, and when it gives up.
 * @module
 */
import type { ClientType } from "../../wire/protocol.ts";
import type { Session } from "../session.ts";
import type { HubContext } from "./context.ts";
import { sendError } from "./replies.ts";

/** How often a change of a call is tried again when other instances keep changing it first. */
const SWAP_ATTEMPTS = 5;

/**
 * Runs a change of a call until it is not overtaken by another instance's
 * change (`attempt` answers false when the engine's swap lost); after
 * `SWAP_ATTEMPTS` the session is told to try again.
 */
export async function retrying(
  hub: HubContext,
  session: Session,
  inReplyTo: ClientType,
  attempt: () => Promise<boolean>,
): Promise<void> {
  for (let tries = 0; tries < SWAP_ATTEMPTS; tries++) {
    if (await attempt()) return;
  }
  sendError(
    hub,
    session,
    "unavailable",
    "The call kept changing under this message; try again.",
    inReplyTo,
  );
}

/** Tries a change a party's timer asked for (grace, ring timeout) until a swap holds. */
export async function untilSwapped(
  attempt: () => Promise<boolean>,
): Promise<void> {
  for (let tries = 0; tries < SWAP_ATTEMPTS; tries++) {
    if (await attempt()) return;
  }
}
