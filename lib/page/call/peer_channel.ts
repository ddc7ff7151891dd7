/**
 * The call's data channel, peer to peer: chat messages, and what each side
 * tells the other about its media (muted, camera off, sharing, recording).
 * What arrives is read defensively: the peer runs code this page did not
 * write.
 * @module
 */
import { signal } from "@preact/signals";
import type { ChatMessage, PeerState } from "./types.ts";

/** The longest chat message. */
export const MAX_CHAT_LENGTH = 2_000;

/** A peer that has said nothing about its media yet. */
const QUIET_PEER: PeerState = {
  muted: false,
  cameraOff: false,
  sharing: false,
  recording: false,
};

/** Where messages to the peer go: the call's peer link, while it is up. */
export interface PeerSender {
  sendToPeer(message: unknown): boolean;
}

/** The chat and the peer's media state of the current call. */
export class PeerChannel {
  /** The call's chat, oldest first. */
  readonly chat = signal<ChatMessage[]>([]);
  /** What the peer says about its media. */
  readonly peerState = signal<PeerState>(QUIET_PEER);

  /** A new call: no chat, nothing heard from the peer. */
  reset(): void {
    this.chat.value = [];
    this.peerState.value = QUIET_PEER;
  }

  /** Sends a chat message; false when it is empty or cannot go now. */
  sendChat(link: PeerSender | null, text: string): boolean {
    const message = text.trim().slice(0, MAX_CHAT_LENGTH);
    if (!message || !link?.sendToPeer({ type: "chat", text: message })) {
      return false;
    }
    this.#add(true, message);
    return true;
  }

  /** Tells the peer about this side's media. */
  publish(link: PeerSender | null, state: PeerState): void {
    link?.sendToPeer({ type: "state", ...state });
  }

  /** A message from the peer: a chat line or its media state; anything else is ignored. */
  receive(message: unknown): void {
    const data = message as
      & { type?: unknown; text?: unknown }
      & Partial<PeerState>;
    if (data.type === "chat" && typeof data.text === "string") {
      this.#add(false, data.text.slice(0, MAX_CHAT_LENGTH));
    } else if (data.type === "state") {
      this.peerState.value = {
        muted: data.muted === true,
        cameraOff: data.cameraOff === true,
        sharing: data.sharing === true,
        recording: data.recording === true,
      };
    }
  }

  #add(mine: boolean, text: string): void {
    this.chat.value = [...this.chat.value, { mine, text, at: Date.now() }];
  }
}
