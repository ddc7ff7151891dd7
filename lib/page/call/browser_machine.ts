/**
 * The call machine as the page runs it: over this browser's peer
 * connections, camera and screen, WebSocket, storage and timers, with
 * recording loaded when first used.
 * @module
 */
import { CallMachine } from "./call_machine.ts";
import { browserGetUserMedia } from "./media.ts";
import { connectWebSocket } from "./signaling_client.ts";
import { loadCertificate } from "./certificate_store.ts";

/** The browser's peer connections and timers, as the machine and the network check take them. */
export const browserPeers = {
  createPeerConnection: (config: RTCConfiguration) =>
    new RTCPeerConnection(config),
  setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => clearTimeout(handle as number),
};

const recorder = () => import("./recorder.ts");

/** The call machine over this browser's WebRTC, media, storage and socket. */
export function createMachine(): CallMachine {
  return new CallMachine({
    ...browserPeers,
    connect: connectWebSocket,
    getUserMedia: browserGetUserMedia,
    getDisplayMedia: navigator.mediaDevices?.getDisplayMedia &&
      ((constraints) => navigator.mediaDevices.getDisplayMedia(constraints)),
    // Recording and the connection check load when first used: most calls need neither.
    recordCall: typeof MediaRecorder === "undefined" ? undefined : (
      remote,
      local,
    ) => {
      const started = recorder().then((module) =>
        module.recordCall(remote, local)
      );
      return { stop: () => started.then((recording) => recording.stop()) };
    },
    download: (file, name) =>
      void recorder().then((module) => module.download(file, name)),
    store: localStorage,
    random: Math.random,
    watchNetwork: (changed) => addEventListener("online", changed),
    loadCertificate,
  });
}
