/**
 * The call's data channel, negotiated on both sides with the same id: it
 * needs no signaling of its own, and the server never sees what it carries
 * (chat and each side's media state, `peer_channel.ts`). Browser-only.
 * @module
 */

/** What the channel reports. */
export interface DataChannelEvents {
  /** The channel opened: messages can be sent. */
  onChannelOpen(): void;
  /** A message from the peer, parsed; what is not JSON is dropped. */
  onPeerMessage(message: unknown): void;
}

/** Opens the call's data channel on `pc`. */
export function openDataChannel(
  pc: RTCPeerConnection,
  events: DataChannelEvents,
): RTCDataChannel {
  const channel = pc.createDataChannel("nexus", { negotiated: true, id: 0 });
  channel.onopen = () => events.onChannelOpen();
  channel.onmessage = (event) => {
    try {
      events.onPeerMessage(JSON.parse(event.data));
    } catch {
      // Not ours to read.
    }
  };
  return channel;
}

/** Sends `message` to the peer if the channel is open; false when it cannot go now. */
export function sendOnChannel(
  channel: RTCDataChannel | null,
  message: unknown,
): boolean {
  if (channel?.readyState !== "open") return false;
  channel.send(JSON.stringify(message));
  return true;
}

/** Stops the channel's events. */
export function silence(channel: RTCDataChannel | null): void {
  if (channel) channel.onopen = channel.onmessage = null;
}
