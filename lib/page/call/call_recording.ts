/**
 * Recording a call from the page: started and stopped by the person, the
 * file handed to them when it stops or the call ends. How the browser
 * records (the mix of both voices) is in `recorder.ts`.
 * @module
 */
import { signal } from "@preact/signals";
import type { Recording } from "./recorder.ts";

/** What recording needs from the browser; absent where it cannot record. */
export interface CallRecordingDeps {
  /** Starts recording a call. */
  recordCall?(remote: MediaStream, local: MediaStream | null): Recording;
  /** Hands a finished recording to the person. */
  download?(file: Blob, name: string): void;
}

/** The recording of the current call, if one is running. */
export class CallRecording {
  /** Recording this call. */
  readonly recording = signal(false);
  #deps: CallRecordingDeps;
  #inProgress: Recording | null = null;

  constructor(deps: CallRecordingDeps) {
    this.#deps = deps;
  }

  /** Whether this browser can record calls. */
  get available(): boolean {
    return this.#deps.recordCall !== undefined;
  }

  /** Starts recording the peer's video and both voices. */
  start(remote: MediaStream, local: MediaStream | null): void {
    this.#inProgress = this.#deps.recordCall!(remote, local);
    this.recording.value = true;
  }

  /** Stops a running recording and hands its file over, named after the peer and the time. */
  async finish(peer: string | null): Promise<void> {
    const recording = this.#inProgress;
    this.#inProgress = null;
    this.recording.value = false;
    if (!recording) return;
    const file = await recording.stop();
    const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, "-");
    this.#deps.download?.(file, `nexus-call-${peer ?? "call"}-${stamp}.webm`);
  }
}
