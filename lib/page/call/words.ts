/**
 * Every sentence the calling page shows: why a call ended, its status, why
 * the camera or the connection failed, and what the page's own checks and
 * actions say. Pure functions and constants, so that a reader finds what
 * the page says for `busy` here, and tests read them without a browser.
 * @module
 */
import { CLOSE_CODES, type EndReason } from "../../wire/protocol.ts";
import type { Credentials } from "./signaling_client.ts";
import type { NetworkReport } from "./network_check.ts";
import type { MediaWish } from "./media.ts";
import type { CallQuality, MediaPath } from "./quality.ts";
import type { CallState, ConnectionState } from "./types.ts";
import type { KeyStatus } from "./call_verification.ts";

/** What a user id may be, in words. */
export const HINT_USER_ID = "1–64 of A–Z a–z 0–9 . _ ~ -";

/** The people list before one has contacts (accounts mode). */
export const NO_CONTACTS_YET =
  "No contacts yet: add people on the Contacts page.";

/** The people list when nobody else is online (open and token modes). */
export const NOBODY_ONLINE = "Nobody else is online yet.";

/** Your own id is not one. */
export const BAD_OWN_ID = `Your id must be ${HINT_USER_ID}.`;
/** The id to call is not one. */
export const BAD_PEER_ID = `Enter the id of the user to call: ${HINT_USER_ID}.`;
/** The page was asked to call its own id. */
export const CALLING_SELF = "You cannot call yourself.";
/** The person signed out. */
export const SIGNED_OUT = "Signed out.";
/** This browser has no `MediaRecorder`. */
export const CANNOT_RECORD = "This browser cannot record calls.";
/** This browser cannot capture the screen. */
export const CANNOT_SHARE_SCREEN = "This browser cannot share its screen.";
/** The person closed the screen picker. */
export const SHARE_NOT_STARTED = "Screen sharing was not started.";
/** Token mode, opened without a sign-in link. */
export const NEEDS_SIGN_IN_LINK =
  "This server signs people in with links: open the sign-in link you were given.";
/** **Check my connection** is running. */
export const CHECKING_NETWORK = "Checking which ways out of this network work…";

/** Why a call ended, said to the person whose call it was. */
export function endSentence(
  reason: EndReason | undefined,
  peer: string,
  state: CallState,
): string {
  switch (reason) {
    case "declined":
      return `${peer} declined the call.`;
    case "busy":
      return `${peer} is busy in another call.`;
    case "no-answer":
      return state === "ringing"
        ? `Missed call from ${peer}.`
        : `${peer} did not answer.`;
    case "cancelled":
      return `Missed call from ${peer}: they hung up.`;
    case "peer-gone":
      return `${peer} lost their connection; the call ended.`;
    case "ice-failed":
      return `The connection to ${peer} failed; the call ended.`;
    case "media-failed":
      return `The call with ${peer} could not be set up: their browser refused this one's media; the call ended.`;
    case "answered-elsewhere":
      return `The call from ${peer} was answered on another device.`;
    case "glare":
      return `The call with ${peer} goes on on another device.`;
    case "link-revoked":
      return `The call link was revoked; the call with ${peer} ended.`;
    default:
      return `${peer} ended the call.`;
  }
}

/** What a call link's page says before the guest calls. */
export function guestWelcome(owner: string): string {
  return `Type your name, then press Call ${owner}.`;
}

/** What the status line reads from. */
export interface StatusFacts {
  state: CallState;
  peer: string | null;
  session: ConnectionState;
  withVideo: boolean;
  connection: RTCPeerConnectionState;
  /** The last thing worth telling the user, if anything. */
  notice: string;
  selfId: string | null;
}

/** The call's status in one sentence, as the page's `role="status"` shows it. */
export function statusSentence(facts: StatusFacts): string {
  const { peer, session, notice } = facts;
  const reconnecting = session === "reconnecting"
    ? " (reconnecting to the server…)"
    : "";
  switch (facts.state) {
    case "calling":
      return `Calling ${peer}…${reconnecting}`;
    case "ringing":
      return `${peer} is calling you${
        facts.withVideo ? " (video)" : " (audio)"
      }…`;
    case "active": {
      const path = facts.connection;
      if (path === "disconnected" || path === "failed") {
        // The server's socket is renewed with the path: one "reconnecting" says it.
        return `Reconnecting to ${peer}…` + (notice ? ` ${notice}` : "");
      }
      const base = path === "connected"
        ? `In call with ${peer}`
        : `Connecting to ${peer}…`;
      return base + reconnecting + (notice ? ` ${notice}` : "");
    }
    case "ended":
      return notice || "Call ended.";
    default:
      if (session === "connecting") return "Signing in…";
      if (session === "reconnecting") return "Reconnecting to the server…";
      if (session === "signed-out") return notice || "Not signed in.";
      return notice || `Signed in as ${facts.selfId}. Ready to call.`;
  }
}

/** What the page knows of a path that could not be made. */
export interface ConnectionFailure {
  /** The TURN server answered 401: the app's credentials are wrong. */
  relayRefusedCredentials: boolean;
  /** The server hands out a relay (a `turn:` or `turns:` URL). */
  relayConfigured: boolean;
  /** This side got a relay candidate: the relay was reached. */
  relayGathered: boolean;
  /** The server sends every call through the relay. */
  relayOnly: boolean;
}

/**
 * Why no media path to the peer could be made, with the likely cause named
 * from what was gathered, and who can fix it.
 */
export function connectionFailedSentence(
  peer: string,
  failure: ConnectionFailure,
): string {
  const start = `Could not connect to ${peer}:`;
  if (failure.relayRefusedCredentials) {
    return `${start} the relay (TURN) server refused this app's credentials. Ask the administrator to check NEXUS_TURN_SECRET.`;
  }
  if (!failure.relayConfigured) {
    return `${start} your networks do not let a direct connection through, and this server has no relay (TURN) server to go through instead. Ask the administrator to set NEXUS_TURN_URLS.`;
  }
  if (!failure.relayGathered) {
    return failure.relayOnly
      ? `${start} the relay (TURN) server could not be used. Ask the administrator to check NEXUS_TURN_URLS and NEXUS_TURN_SECRET.`
      : `${start} the relay (TURN) server could not be reached from your network. A network that allows only web traffic needs the relay on port 443 (a turns: URL in NEXUS_TURN_URLS).`;
  }
  return `${start} neither a direct path nor the relay worked between your networks.`;
}

/**
 * Why the media path failed, as well as this side can tell: a path that
 * worked (`connectedOnce`) and broke is said plainly; one that never
 * connected names its likely cause.
 */
export function pathFailedSentence(
  peer: string,
  connectedOnce: boolean,
  failure: ConnectionFailure,
): string {
  return connectedOnce
    ? endSentence("ice-failed", peer, "active")
    : connectionFailedSentence(peer, failure);
}

/** Setting up the peer connection threw: the call cannot go on. */
export function negotiationFailedSentence(
  peer: string,
  error: unknown,
): string {
  return `Setting up the connection to ${peer} failed (${
    (error as Error)?.message ?? error
  }).`;
}

/** How the person's own action ended a call, in the state it was in. */
export function ownEndSentence(
  state: "calling" | "ringing" | "active",
  peer: string,
): string {
  switch (state) {
    case "calling":
      return `You cancelled the call to ${peer}.`;
    case "ringing":
      return `You declined the call from ${peer}.`;
    case "active":
      return `Call with ${peer} ended.`;
  }
}

/** A device that stopped mid-call (unplugged, or taken by the system). */
export function trackEndedSentence(kind: string): string {
  return kind === "video"
    ? "Your camera stopped. Press Camera off to turn it on again."
    : "Your microphone stopped. Check that it is connected.";
}

/** How the call is connected, as the call details say it. */
export function pathWords(path: MediaPath | null): string {
  if (!path) return "—";
  return path.route === "direct"
    ? `Direct, over ${path.transport}`
    : `Relayed through the server, over ${path.transport}`;
}

/** What "Check my connection" found, in one sentence the person can act on. */
export function networkSentence(report: NetworkReport): string {
  const { udp, relay, relayConfigured } = report;
  if (report.relayRefused) {
    return "The relay (TURN) server refused this app's credentials, so calls that need it will fail. Tell the administrator (NEXUS_TURN_SECRET).";
  }
  if (udp && (relay.udp || relay.tcp || relay.tls)) {
    return "This network lets calls through: directly where the other side's network allows it, and through the relay otherwise.";
  }
  if (udp) {
    return relayConfigured
      ? "Direct calls can work from this network, but the relay (TURN) server cannot be reached from it: calls to people behind strict networks will fail."
      : "Direct calls can work from this network, but this server has no relay (TURN) server: calls to people behind strict networks will fail.";
  }
  if (relay.udp || relay.tcp) {
    return `This network blocks direct connections: calls will go through the relay over ${
      relay.udp ? "UDP" : "TCP"
    }.`;
  }
  if (relay.tls) {
    return "This network blocks everything but web traffic: calls will go through the relay over TLS on port 443.";
  }
  return relayConfigured
    ? "Calls cannot connect from this network: it blocks direct connections, and the relay (TURN) server cannot be reached from it."
    : "Calls cannot connect from this network: it blocks direct connections, and no relay (TURN) server is configured.";
}

/** The one-line instruction beside a call's verification code. */
export const VERIFY_INSTRUCTION =
  "Read these to each other. If they match, nobody is listening in.";

/** What this page knows of the peer's key, in a sentence; none while nothing is known. */
export function keySentence(status: KeyStatus, peer: string): string {
  switch (status) {
    case "verified":
      return `Verified: ${peer}'s security key is the one you checked.`;
    case "changed":
      return `${peer}'s security key changed: compare the code again.`;
    case "unverified":
      return "";
  }
}

/** Said when a recording ends because the call moved to a new connection (`renewal.ts`). */
export const RECORDING_CUT_SHORT =
  "The recording stopped when the call moved to a new connection; its file is saved.";

/** Why the server closed the page's connection for good (a policy close), in words. */
export function signedOutSentence(code: number, reason: string): string {
  if (reason === "token expired") {
    return "Your sign-in has expired. Open a new sign-in link to continue.";
  }
  if (code === CLOSE_CODES.link) return reason;
  if (reason === "signed out") {
    return "You were signed out. Sign in again to make calls.";
  }
  if (code === CLOSE_CODES.replaced) {
    return "This page was signed in again elsewhere with the same device.";
  }
  return `The server closed the connection: ${reason || "policy violation"}.`;
}

/** Why the first connection with these credentials did not sign in, in words. */
export function refusedSentence(credentials: Credentials): string {
  if ("token" in credentials) {
    return "The server refused this sign-in link: it may have expired or been changed.";
  }
  if ("cookie" in credentials) {
    return "The server did not take your sign-in: sign in again.";
  }
  if ("link" in credentials) {
    return "The server did not let you in with this link. Check your name (1–40 characters) and try again in a moment.";
  }
  return "Could not reach the server.";
}

/** A sentence for why `getUserMedia` failed, saying what to do about it. */
export function mediaErrorSentence(error: unknown, wish: MediaWish): string {
  const devices = wish.video ? "camera or microphone" : "microphone";
  const name = error instanceof Error || error instanceof DOMException
    ? error.name
    : "";
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return `Access to the ${devices} was blocked. Allow it in the browser's site settings, then try again.`;
    case "NotFoundError":
    case "OverconstrainedError":
      return wish.video
        ? "No camera or microphone was found. Connect one, or make an audio call."
        : "No microphone was found. Connect one and try again.";
    case "NotReadableError":
    case "AbortError":
      return `The ${devices} could not be started; another app may be using it.`;
    case "NoMediaDevices":
      return "This page cannot use a camera or microphone: open it over https or on localhost.";
    default:
      return `The ${devices} could not be started (${name || String(error)}).`;
  }
}

function verdict(quality: CallQuality): string {
  if ((quality.lossPercent ?? 0) > 5 || (quality.rttMs ?? 0) > 400) {
    return "poor";
  }
  if ((quality.lossPercent ?? 0) > 1 || (quality.rttMs ?? 0) > 200) {
    return "fair";
  }
  return "good";
}

/** The name of the button that opens the call's details: its quality in a word once measured. */
export function detailsName(quality: CallQuality | null): string {
  return `Call details${quality ? ` (quality ${verdict(quality)})` : ""}`;
}
