/**
 * A call machine wired to fake browser parts (media, peer connections,
 * timers, a socket), signed in with bob online: what the machine's tests
 * share.
 */
import {
  CallMachine,
  type CallMachineDeps,
} from "../../lib/page/call/call_machine.ts";
import type {
  Credentials,
  SignalingHandlers,
} from "../../lib/page/call/signaling_client.ts";
import type { ClientMessage, ServerMessage } from "../../lib/wire/protocol.ts";
import { FakeMedia, FakePeerConnection } from "./fake_webrtc.ts";
import { ManualTimers } from "./manual_timers.ts";
import { memoryStore } from "./memory_store.ts";

/** The ICE servers the fake server hands out. */
export const ICE: RTCIceServer[] = [{ urls: "stun:127.0.0.1:3478" }];

/** A machine wired to fakes, signed in as `self` with bob online. */
export function setup(self = "alice") {
  return setupWith({}, self);
}

/** `setup`, with some of the machine's optional browser parts. */
export function setupWith(extra: Partial<CallMachineDeps>, self = "alice") {
  const fixture = notSignedIn(extra, self);
  fixture.machine.join(self);
  fixture.ready();
  fixture.server({
    type: "presence:list",
    payload: { users: [self, "bob"], inCall: [] },
  });
  return fixture;
}

/** A machine wired to fakes, before it signs in; `ready` answers its sign-in as `self`. */
export function notSignedIn(extra: Partial<CallMachineDeps>, self = "alice") {
  const media = new FakeMedia();
  const timers = new ManualTimers();
  const peers: FakePeerConnection[] = [];
  const sent: ClientMessage[] = [];
  const dials: Credentials[] = [];
  let handlers: SignalingHandlers | undefined;
  let closedByClient = 0;
  const machine = new CallMachine({
    connect: (credentials, h) => {
      dials.push(credentials);
      handlers = h;
      return {
        send: (message) => sent.push(message),
        close: () => closedByClient++,
      };
    },
    getUserMedia: media.getUserMedia,
    // Devices start on Accept unless a test turns on starting them while it rings.
    store: memoryStore(new Map([["nexus-call.start-on-ring", "off"]])),
    createPeerConnection: (config) => {
      const pc = new FakePeerConnection(config);
      peers.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    random: () => 0.5,
    ...extra,
  });
  const server = (message: ServerMessage) => handlers!.onMessage(message);
  const ready = () =>
    server({
      type: "session:ready",
      payload: {
        userId: self,
        deviceId: machine.signaling.deviceId,
        iceServers: ICE,
        iceTransportPolicy: "all",
        presence: true,
      },
    });
  return {
    machine,
    media,
    timers,
    peers,
    sent,
    dials,
    server,
    ready,
    dropConnection: (code = 1006, reason = "") =>
      handlers!.onClose(code, reason),
    closedByClient: () => closedByClient,
    /** Resolves pending promise callbacks. */
    settle: () => new Promise((resolve) => setTimeout(resolve, 0)),
  };
}

/** A machine set up by `setup`, with its fakes. */
export type Setup = ReturnType<typeof setup>;
