/**
 * Getting the camera and microphone, with sentences a person can act on.
 * @module
 */

/** What a call wants from the local devices. */
export interface MediaWish {
  video: boolean;
  audio: boolean;
}

/** A sentence for why `getUserMedia` failed, saying what to do about it. */
export function describeMediaError(error: unknown, wish: MediaWish): string {
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

/** Stops every track of a stream, which turns the device lights off. */
export function stopStream(stream: MediaStream | null | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** The browser's getUserMedia, as the island hands it to the machine. */
export function browserGetUserMedia(
  constraints: MediaStreamConstraints,
): Promise<MediaStream> {
  if (!globalThis.navigator?.mediaDevices) {
    return Promise.reject(
      new DOMException("no mediaDevices", "NoMediaDevices"),
    );
  }
  return navigator.mediaDevices.getUserMedia(constraints);
}
