/**
 * The page's own camera and microphone in a call: opening them (one capture
 * helper, as the person chose the devices), muting, turning the camera off
 * and re-acquiring it, switching devices mid-call, sharing the screen, and a
 * device that stops by itself. A new track replaces the sent one without
 * renegotiating.
 * @module
 */
import { signal } from "@preact/signals";
import {
  type ChoiceStore,
  constraintsFor,
  type DeviceChoice,
  loadChoices,
  loadStartOnRing,
  saveChoices,
  saveStartOnRing,
} from "./devices.ts";
import { type MediaWish, stopStream } from "./media.ts";
import {
  CANNOT_SHARE_SCREEN,
  mediaErrorSentence,
  SHARE_NOT_STARTED,
  trackEndedSentence,
} from "./words.ts";

/** What local media needs from the browser. */
export interface LocalMediaDeps {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  /** Screen capture; absent where the browser has none. */
  getDisplayMedia?(
    constraints: DisplayMediaStreamOptions,
  ): Promise<MediaStream>;
  /** Where device choices are remembered. */
  store?: ChoiceStore;
}

/** What local media needs to know of the call it serves. */
export interface MediaScope {
  /** The current call attempt's number: what an older attempt opened is stopped. */
  seq(): number;
  /** A call is under way (not idle, not ended). */
  inCall(): boolean;
  /** The call is active. */
  active(): boolean;
  /** The call has video. */
  withVideo(): boolean;
  /** Tells the person something. */
  notify(sentence: string): void;
  /** Sends `track` to the peer in place of the current one of its kind. */
  send(kind: "audio" | "video", track: MediaStreamTrack | null): Promise<void>;
  /** This side's media changed: the peer is told. */
  changed(): void;
}

/** Opened media, or why not in a sentence; `null` when the call changed meanwhile. */
export type Capture = { stream: MediaStream } | { problem: string } | null;

/** The camera, microphone and screen of this page's calls. */
export class LocalMedia {
  /** What this page sends: camera (or screen) and microphone. */
  readonly stream = signal<MediaStream | null>(null);
  /** Microphone muted by the user. */
  readonly micMuted = signal(false);
  /** Camera turned off by the user (or unplugged). */
  readonly cameraOff = signal(false);
  /** Sharing the screen instead of the camera. */
  readonly sharing = signal(false);
  /** The chosen camera, microphone and speaker. */
  readonly devices = signal<DeviceChoice>({});
  /**
   * The camera and microphone start while a call rings, so that Accept need
   * not wait for them (nothing is sent before Accept); a person may turn it off.
   */
  readonly startOnRing = signal(true);

  #deps: LocalMediaDeps;
  #scope: MediaScope;

  constructor(deps: LocalMediaDeps, scope: MediaScope) {
    this.#deps = deps;
    this.#scope = scope;
    this.devices.value = loadChoices(deps.store);
    this.startOnRing.value = loadStartOnRing(deps.store);
  }

  /** Turns starting the devices while a call rings on or off, and remembers it. */
  setStartOnRing(on: boolean): void {
    this.startOnRing.value = on;
    saveStartOnRing(this.#deps.store, on);
  }

  /** A new call starts unmuted, camera on, not sharing. */
  reset(): void {
    this.micMuted.value = false;
    this.cameraOff.value = false;
    this.sharing.value = false;
  }

  /**
   * Opens the devices `wish` names, as the person chose them: the stream, or
   * why not in a sentence; `null` when the call it was for changed meanwhile
   * (whatever was opened is stopped).
   */
  async capture(wish: MediaWish): Promise<Capture> {
    const seq = this.#scope.seq();
    try {
      const stream = await this.#deps.getUserMedia(
        constraintsFor(wish, this.devices.value),
      );
      if (seq === this.#scope.seq()) return { stream };
      stopStream(stream);
      return null;
    } catch (error) {
      return seq === this.#scope.seq()
        ? { problem: mediaErrorSentence(error, wish) }
        : null;
    }
  }

  /** Makes `stream` the call's local media, watching each device. */
  use(stream: MediaStream): void {
    for (const track of stream.getTracks()) this.#watch(track);
    this.stream.value = stream;
  }

  /** Stops every device: the call is over. */
  release(): void {
    stopStream(this.stream.value);
    this.stream.value = null;
    this.sharing.value = false;
  }

  /** Mutes or unmutes the microphone. */
  toggleMute(): void {
    const muted = !this.micMuted.value;
    for (const track of this.stream.value?.getAudioTracks() ?? []) {
      track.enabled = !muted;
    }
    this.micMuted.value = muted;
    this.#scope.changed();
  }

  /**
   * Turns the camera off (the track is stopped, so its light goes off, and
   * the peer receives no video) or on again: the camera is re-acquired and
   * its new track sent.
   */
  async toggleCamera(): Promise<void> {
    const stream = this.stream.value;
    if (!stream || !this.#scope.withVideo()) return;
    if (!this.cameraOff.value) {
      this.cameraOff.value = true;
      this.sharing.value = false;
      for (const track of stream.getVideoTracks()) track.stop();
      this.stream.value = new MediaStream(stream.getAudioTracks());
      this.#scope.changed();
      await this.#scope.send("video", null);
      return;
    }
    const capture = await this.capture({ video: true, audio: false });
    const track = this.#trackOf(capture, "video");
    if (!track) return;
    this.#scope.notify("");
    this.cameraOff.value = false;
    await this.#swap("video", track);
    this.#scope.changed();
  }

  /**
   * Chooses a camera, microphone or speaker, remembered for next time. In an
   * active call, a new camera or microphone is swapped in; when it cannot be
   * opened, the one in use stays.
   */
  async chooseDevice(
    kind: keyof DeviceChoice,
    deviceId: string,
  ): Promise<void> {
    this.devices.value = {
      ...this.devices.value,
      [kind]: deviceId || undefined,
    };
    saveChoices(this.#deps.store, this.devices.value);
    const trackKind = kind === "camera"
      ? "video"
      : kind === "microphone"
      ? "audio"
      : null;
    if (!this.stream.value || !trackKind || !this.#scope.active()) return;
    if (
      trackKind === "video" &&
      (this.cameraOff.value || this.sharing.value || !this.#scope.withVideo())
    ) return;
    const capture = await this.capture({
      video: trackKind === "video",
      audio: trackKind === "audio",
    });
    const track = this.#trackOf(capture, trackKind);
    if (!track) return;
    track.enabled = trackKind === "video" || !this.micMuted.value;
    await this.#swap(trackKind, track);
  }

  /** Shares the screen instead of the camera, or goes back to the camera. */
  async toggleScreenShare(): Promise<void> {
    if (
      !this.stream.value || !this.#scope.active() || !this.#scope.withVideo()
    ) return;
    if (this.sharing.value) return this.#stopSharing();
    if (!this.#deps.getDisplayMedia) {
      return this.#scope.notify(CANNOT_SHARE_SCREEN);
    }
    const seq = this.#scope.seq();
    let display: MediaStream;
    try {
      display = await this.#deps.getDisplayMedia({ video: true, audio: false });
    } catch {
      return this.#scope.notify(SHARE_NOT_STARTED);
    }
    if (seq !== this.#scope.seq()) return stopStream(display);
    const [track] = display.getVideoTracks();
    track.addEventListener("ended", () => {
      if (seq === this.#scope.seq() && this.sharing.value) {
        void this.#stopSharing();
      }
    });
    this.sharing.value = true;
    this.cameraOff.value = false;
    await this.#swap("video", track);
    this.#scope.changed();
  }

  /** Back from the screen to the camera, re-acquired; when it cannot be opened the camera is off. */
  async #stopSharing(): Promise<void> {
    this.sharing.value = false;
    this.#scope.changed();
    const capture = await this.capture({ video: true, audio: false });
    if (capture && "problem" in capture) this.cameraOff.value = true;
    const track = this.#trackOf(capture, "video");
    if (track) await this.#swap("video", track);
  }

  /** The opened track of `kind`, watched; a problem is told to the person. */
  #trackOf(
    captured: Capture,
    kind: "audio" | "video",
  ): MediaStreamTrack | null {
    if (!captured) return null;
    if ("problem" in captured) {
      this.#scope.notify(captured.problem);
      return null;
    }
    const [track] = kind === "video"
      ? captured.stream.getVideoTracks()
      : captured.stream.getAudioTracks();
    this.#watch(track);
    return track;
  }

  /** Puts a new track in place of the local one of its kind: sent at once, shown in the preview. */
  async #swap(kind: "audio" | "video", track: MediaStreamTrack): Promise<void> {
    const stream = this.stream.value;
    if (!stream) return;
    const [previous, kept] = kind === "video"
      ? [stream.getVideoTracks(), stream.getAudioTracks()]
      : [stream.getAudioTracks(), stream.getVideoTracks()];
    for (const track of previous) track.stop();
    this.stream.value = new MediaStream([...kept, track]);
    await this.#scope.send(kind, track);
  }

  /** A device unplugged mid-call ends its track, not the call. */
  #watch(track: MediaStreamTrack): void {
    const seq = this.#scope.seq();
    track.addEventListener("ended", () => {
      if (seq !== this.#scope.seq() || !this.#scope.inCall()) return;
      if (track.kind === "video") this.cameraOff.value = true;
      this.#scope.notify(trackEndedSentence(track.kind));
    });
  }
}
