/**
 * Audio first on a bad link: a call whose voice breaks up is lost, one
 * whose video blurs is not. Two things, both where the browser offers them:
 *
 * - Redundant audio (RFC 2198 `audio/red`): each packet carries the frame
 *   before it too, so one lost packet costs no sound. It is preferred over
 *   plain Opus on both sides; a browser without it negotiates Opus alone.
 * - Sender priority: audio `high`, which ranks it first when the browser
 *   shares a thin uplink's estimate between the tracks, and marks its
 *   packets for networks that honour DSCP (Wi-Fi's voice queue).
 *
 * Video needs nothing added: the browser's congestion control lowers its
 * rate, then its resolution, as the link narrows.
 * Browser-only; it never imports server code.
 * @module
 */

/** The codec of redundant audio. */
const REDUNDANT_AUDIO = "audio/red";

/**
 * Puts redundant audio first among the codecs of `transceiver`, if the
 * browser has it; called before this side's offer or answer is made, since
 * each side sends with the first codec the other lists.
 */
export function preferRedundantAudio(transceiver: RTCRtpTransceiver): void {
  // Where there is no such thing as a receiver's capabilities, there is nothing to rank.
  const codecs =
    globalThis.RTCRtpReceiver?.getCapabilities?.("audio")?.codecs ??
      [];
  const rank = (codec: { mimeType: string }) =>
    codec.mimeType.toLowerCase() === REDUNDANT_AUDIO ? 0 : 1;
  if (codecs.some((codec) => rank(codec) === 0)) {
    transceiver.setCodecPreferences?.(codecs.sort((a, b) => rank(a) - rank(b)));
  }
}

/** Ranks an audio sender's packets first; best effort, as priorities are hints. */
export async function prioritizeAudio(sender: RTCRtpSender): Promise<void> {
  const parameters = sender.getParameters?.();
  if (!parameters?.encodings?.length) return;
  for (const encoding of parameters.encodings) {
    encoding.priority = "high";
    encoding.networkPriority = "high";
  }
  try {
    await sender.setParameters(parameters);
  } catch {
    // A browser that takes no priorities sends audio as before.
  }
}
