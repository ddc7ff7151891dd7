/**
 * How the calling page starts and what it does on its own: it joins as its
 * sign-in mode says (a session, a token, or a call link's guest, who joins
 * only when they press Call), calls back whom the history asked for,
 * answers the ring a notification's Accept chose, and lets a guest's
 * connection go when the call ends. A Preact hook for the island.
 * @module
 */
import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { IS_BROWSER } from "$fresh/runtime.ts";
import type { CallMachine } from "./call_machine.ts";
import type { SignInMode } from "./types.ts";
import { takeCallBack } from "./call_back.ts";
import { guestWelcome, NEEDS_SIGN_IN_LINK } from "./words.ts";

/** A call link's page: its secret and the account it rings. */
export interface GuestLink {
  secret: string;
  owner: string;
}

/** What the page's start gives the island. */
export interface PageStart {
  /** The page's script runs: until then Join says so by being disabled. */
  hydrated: Signal<boolean>;
  /** A guest pressed Call as `name`: the call is placed once the link lets them in. */
  callAsGuest(name: string): void;
}

/** The page's `?token=`, in token mode. */
export function tokenFromPage(): string | null {
  return IS_BROWSER ? new URLSearchParams(location.search).get("token") : null;
}

/** Starts the page's session by `mode` and runs what the page does unasked. */
export function usePageStart(
  machine: CallMachine,
  mode: SignInMode | undefined,
  guest: GuestLink | undefined,
): PageStart {
  const hydrated = useSignal(false);
  const guestCalls = useSignal(false);
  const state = machine.state.value;
  const session = machine.signaling.state.value;
  const signedIn = session === "signed-in" || session === "reconnecting";

  useEffect(() => {
    const token = mode === "token" ? tokenFromPage() : null;
    if (guest) {
      machine.notice.value = guestWelcome(guest.owner);
    } else if (mode === "accounts") {
      machine.joinWithSession();
    } else if (mode === "token" && !token) {
      machine.notice.value = NEEDS_SIGN_IN_LINK;
    } else if (token) {
      machine.joinWithToken(token);
    }
    hydrated.value = true;
    return () => machine.leave();
  }, [machine]);

  useEffect(() => {
    if (guest && signedIn && guestCalls.value) {
      guestCalls.value = false;
      void machine.call(guest.owner, true);
      return;
    }
    const callBack = signedIn && !guest && takeCallBack(sessionStorage);
    if (callBack) machine.call(callBack, true);
  }, [signedIn]);

  // A guest holds no connection after the call: the sentence of its end stays.
  useEffect(() => {
    if (guest && state === "ended") machine.signaling.close();
  }, [state]);

  // Opened by a notification's Accept: this ring is the one to answer.
  useEffect(() => {
    if (state !== "ringing" || mode !== "accounts") return;
    const caller = machine.peerId.value ?? "";
    void import("./answer_intent.ts").then(async (intent) => {
      if (
        await intent.answerIntended(caller) &&
        machine.state.value === "ringing"
      ) void machine.accept();
    });
  }, [state]);

  return {
    hydrated,
    callAsGuest(name) {
      if (!guest) return;
      guestCalls.value = true;
      machine.joinWithLink(guest.secret, name);
    },
  };
}
