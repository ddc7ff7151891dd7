/**
 * Records a call in the browser: the remote video with both voices mixed,
 * into a WebM file the person downloads. Nothing leaves the browser.
 * @module
 */

/** A recording in progress. */
export interface Recording {
  /** Stops and returns the file. */
  stop(): Promise<Blob>;
}

/** Starts recording the remote video and both voices. */
export function recordCall(
  remote: MediaStream,
  local: MediaStream | null,
): Recording {
  const context = new AudioContext();
  const mix = context.createMediaStreamDestination();
  for (const stream of [remote, local]) {
    if (stream?.getAudioTracks().length) {
      context.createMediaStreamSource(stream).connect(mix);
    }
  }
  const tracks = [...remote.getVideoTracks(), ...mix.stream.getAudioTracks()];
  const recorder = new MediaRecorder(new MediaStream(tracks), {
    mimeType: "video/webm",
  });
  const chunks: Blob[] = [];
  recorder.ondataavailable = (event) => {
    if (event.data.size > 0) chunks.push(event.data);
  };
  recorder.start(1_000);
  return {
    stop: () =>
      new Promise((resolve) => {
        recorder.onstop = () => {
          context.close();
          resolve(new Blob(chunks, { type: "video/webm" }));
        };
        recorder.stop();
      }),
  };
}

/** Offers a file to the person as a download. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), {
    href: url,
    download: name,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
