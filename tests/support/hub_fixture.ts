/**
 * A hub under test: one `SignalingHub` in this process with manual timers
 * and fake sockets, joined users, and the calls most hub tests start from.
 * @module
 */
import { SignalingHub } from "../../lib/signaling/hub/hub.ts";
import type {
  HubOptions,
  JoinOptions,
} from "../../lib/signaling/hub/options.ts";
import type { Session } from "../../lib/signaling/session.ts";
import { FakeSocket } from "./fake_socket.ts";
import { hubTimers, ManualTimers } from "./manual_timers.ts";

/** How long a call rings before `no-answer`, in the fixture's hub. */
export const RING_MS = 1_000;
/** The fixture's grace period for a party whose device left. */
export const GRACE_MS = 5_000;

/** Lets the hub finish what it started: the in-process engine answers within one turn. */
export const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A joined device: its session and the socket the hub writes to. */
export interface Joined {
  session: Session;
  socket: FakeSocket;
}

/**
 * A hub with manual timers; `join` connects a device (what it was sent on
 * joining is taken), `frame` sends a frame from one and lets the hub finish.
 * Presence goes out as it changes unless `options` say otherwise.
 */
export function hubFixture(options: Partial<HubOptions> = {}) {
  const timers = new ManualTimers();
  const hub = new SignalingHub({
    presenceWindowMs: 0,
    ringTimeoutMs: RING_MS,
    resumeGraceMs: GRACE_MS,
    timers: hubTimers(timers),
    ...options,
  });
  const join = async (
    userId: string,
    deviceId?: string,
    join: Omit<JoinOptions, "deviceId"> = {},
  ): Promise<Joined> => {
    const socket = new FakeSocket();
    const session = hub.connect(userId, socket, { ...join, deviceId });
    await tick();
    socket.take();
    return { session, socket };
  };
  const frame = async (
    from: Session,
    type: string,
    payload: Record<string, unknown>,
  ) => {
    await hub.receive(from, JSON.stringify({ type, payload }));
    await tick();
  };
  return { hub, timers, join, frame };
}

/** alice and bob in an accepted call, with what their sockets got so far taken. */
export async function aliceAndBobInCall() {
  const t = hubFixture();
  const alice = await t.join("alice");
  const bob = await t.join("bob");
  for (const party of [alice, bob]) party.socket.take();
  await t.frame(alice.session, "call:request", {
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  await t.frame(bob.session, "call:response", { to: "alice", accepted: true });
  alice.socket.take();
  bob.socket.take();
  return { ...t, alice, bob };
}

/** alice calling bob, who is on his phone and his laptop; what each device got is in `rang`. */
export async function ringingTwoDevices() {
  const t = hubFixture();
  const alice = await t.join("alice");
  const phone = await t.join("bob", "phone");
  const laptop = await t.join("bob", "laptop");
  await t.frame(alice.session, "call:request", {
    to: "bob",
    hasVideo: true,
    hasAudio: true,
  });
  const rang = { phone: phone.socket.take(), laptop: laptop.socket.take() };
  return { ...t, alice, phone, laptop, rang };
}
