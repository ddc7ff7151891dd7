/**
 * The camera and microphone before a call: a preview of the chosen devices
 * while the device panel is open, and the lists of devices the browser
 * offers (filled in once it has granted access, and again in a call). A
 * Preact hook for the island.
 * @module
 */
import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { constraintsFor, type DeviceChoice } from "./devices.ts";
import { stopStream } from "./media.ts";
import type { CallState } from "./types.ts";

/** The devices of one kind the picker offers. */
export interface DeviceList {
  kind: keyof DeviceChoice;
  label: string;
  devices: MediaDeviceInfo[];
}

/** The devices the browser offers, by the kind the picker shows. */
async function listDevices(): Promise<DeviceList[]> {
  const devices = await navigator.mediaDevices?.enumerateDevices() ?? [];
  const of = (kind: MediaDeviceKind) =>
    devices.filter((d) => d.kind === kind && d.deviceId);
  return [
    { kind: "camera", label: "Camera", devices: of("videoinput") },
    { kind: "microphone", label: "Microphone", devices: of("audioinput") },
    // Choosing a speaker needs setSinkId, which not every browser has.
    {
      kind: "speaker",
      label: "Speaker",
      devices: "setSinkId" in HTMLMediaElement.prototype
        ? of("audiooutput")
        : [],
    },
  ];
}

/** What the device panel shows. */
export interface DevicePreview {
  /** The chosen camera and microphone, while the panel is open and no call is on. */
  stream: Signal<MediaStream | null>;
  lists: Signal<DeviceList[]>;
}

/**
 * Previews the chosen devices while `open` and the page is free to (signed
 * in, no call); lists the devices then and when a call becomes active.
 */
export function useDevicePreview(
  open: boolean,
  free: boolean,
  state: CallState,
  choice: DeviceChoice,
): DevicePreview {
  const stream = useSignal<MediaStream | null>(null);
  const lists = useSignal<DeviceList[]>([]);
  useEffect(() => {
    if (!open || !free) return;
    let opened: MediaStream | null = null;
    let stopped = false;
    navigator.mediaDevices?.getUserMedia(
      constraintsFor({ video: true, audio: true }, choice),
    ).then(async (s) => {
      if (stopped) return stopStream(s);
      opened = s;
      stream.value = s;
      lists.value = await listDevices();
    }).catch(() => stream.value = null);
    return () => {
      stopped = true;
      stopStream(opened);
      stream.value = null;
    };
  }, [open, free, choice.camera, choice.microphone]);

  useEffect(() => {
    if (state === "active") listDevices().then((all) => lists.value = all);
  }, [state]);
  return { stream, lists };
}
