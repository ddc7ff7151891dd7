/**
 * The camera, microphone and speaker a person chose, remembered across visits.
 * @module
 */
import type { MediaWish } from "./media.ts";

/** Chosen device ids; absent means the browser's default. */
export interface DeviceChoice {
  camera?: string;
  microphone?: string;
  speaker?: string;
}

/** Where choices are kept; `localStorage` in the browser. */
export interface ChoiceStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const KEY = "nexus-call.devices";

/** The remembered choices. */
export function loadChoices(store: ChoiceStore | undefined): DeviceChoice {
  try {
    return JSON.parse(store?.getItem(KEY) ?? "{}") ?? {};
  } catch {
    return {};
  }
}

/** Remembers the choices. */
export function saveChoices(
  store: ChoiceStore | undefined,
  choice: DeviceChoice,
): void {
  store?.setItem(KEY, JSON.stringify(choice));
}

const START_ON_RING_KEY = "nexus-call.start-on-ring";

/** Whether the camera and microphone start while a call rings: yes unless turned off. */
export function loadStartOnRing(store: ChoiceStore | undefined): boolean {
  return store?.getItem(START_ON_RING_KEY) !== "off";
}

/** Remembers whether the camera and microphone start while a call rings. */
export function saveStartOnRing(
  store: ChoiceStore | undefined,
  on: boolean,
): void {
  store?.setItem(START_ON_RING_KEY, on ? "on" : "off");
}

/** getUserMedia constraints for a wish, using the chosen devices. */
export function constraintsFor(
  wish: MediaWish,
  choice: DeviceChoice,
): MediaStreamConstraints {
  const device = (id?: string) => (id ? { deviceId: { exact: id } } : true);
  return {
    video: wish.video ? device(choice.camera) : false,
    audio: wish.audio ? device(choice.microphone) : false,
  };
}
