/**
 * Getting the camera and microphone; why it failed is said in `words.ts`.
 * @module
 */

/** What a call wants from the local devices. */
export interface MediaWish {
  video: boolean;
  audio: boolean;
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
