/**
 * The shapes the call page shares between the machine, the island and the
 * components: components import these, never the machine.
 * @module
 */

/** Whether this page is signed in to the signaling server. */
export type ConnectionState =
  | "signed-out"
  | "connecting"
  | "signed-in"
  | "reconnecting";

/** Where a call is. */
export type CallState = "idle" | "calling" | "ringing" | "active" | "ended";

/** How an incoming call is answered when the camera or microphone fails. */
export type AnswerMode = "full" | "audio-only" | "receive-only";

/** A chat message in the call, sent peer to peer. */
export interface ChatMessage {
  mine: boolean;
  text: string;
  at: number;
}

/** What each side tells the other about its media, over the data channel. */
export interface PeerState {
  muted: boolean;
  cameraOff: boolean;
  sharing: boolean;
  recording: boolean;
}

/**
 * How the server signs people in: `open` (the page claims an id), `token`
 * (a sign-in link), or `accounts` (a passkey, then the session cookie).
 */
export type SignInMode = "open" | "token" | "accounts";
