/**
 * The engine under the hub: where users and calls are recorded, and how a
 * message reaches a device connected to another instance. The hub keeps its
 * own sockets; everything two instances must agree on goes through here.
 *
 * Three engines implement it: in-process (one instance, the default),
 * Redis (`NEXUS_REDIS_URL`) and Deno Deploy (BroadcastChannel and Deno KV).
 * @module
 */
import type { PresenceUpdate } from "../../wire/protocol.ts";
import type { DeliverySessionState } from "../delivery_link.ts";
import type { Call } from "../call.ts";
import type { RateLimit } from "../rate_limit.ts";

/** A message for one user's devices on the instance it is sent to. */
export interface Envelope {
  /** The user whose devices get it. */
  user: string;
  /** One device, or `null` for every device of the user on that instance. */
  device: string | null;
  /** A device left out, e.g. the one that answered when the others stop ringing. */
  except?: string;
  /** The message as sent on the socket; absent when only `call` is news. */
  text?: string;
  /** The call the message goes with, as it is now: the receiving hub updates its copy. */
  call?: Call;
  /** Whether `call` has ended. */
  ended?: boolean;
  /** The device connected again on another instance: its connection here is closed (4409). */
  replaced?: boolean;
  /** Only for devices that prepare a call while it rings: the caller's early offer and candidates. */
  preparing?: boolean;
  /** Whose presence the user may see changed: reload it and send the list again. */
  audience?: boolean;
  /**
   * The device came back on instance `replyTo` naming its delivery session
   * `session`, made here: hand it over, answering with `handedOver`.
   */
  handover?: { session: string; request: string; replyTo: string };
  /** The answer to a `handover` request: the session as it stood, or null when that instance had it no more. */
  handedOver?: { request: string; state: DeliverySessionState | null };
}

/**
 * What every other instance hears: a change of presence to pass on to its
 * sessions, or a sign-out (accounts mode) whose sockets it closes.
 */
export type Broadcast = { presence: PresenceUpdate } | {
  signedOut: SignOut;
};

/** Sessions that ended: one (`session`, the hash of its id) or all of `userId`'s (null). */
export interface SignOut {
  userId: string;
  session: string | null;
}

/** One user's device whose instance stopped renewing it: that instance is gone. */
export interface LostDevice {
  user: string;
  device: string;
  /** Whether the user has no device left anywhere. */
  offline: boolean;
}

/** What recording a device found. */
export interface Joined {
  /** The user had no device connected anywhere before. */
  wentOnline: boolean;
  /** Another instance the same device was connected to until now (its page reconnected here). */
  movedFrom: string | null;
}

/** What an engine hands its hub. */
export interface EngineInbox {
  /** An envelope addressed to this instance. */
  deliver(envelope: Envelope): void;
  /** A broadcast from another instance. */
  broadcast(message: Broadcast): void;
  /** The devices connected to this instance now, which the engine keeps alive. */
  devices(): Iterable<{ user: string; device: string }>;
  /** Devices of other instances that expired; each is reported to exactly one instance. */
  lost(devices: LostDevice[]): void;
  /** The shared state was lost (e.g. Redis restarted): record again what this instance holds. */
  rebuild(): Promise<void>;
}

/** The state and delivery an instance shares with the others. */
export interface SignalingEngine {
  /** Which engine this is, for logs and `/readyz`. */
  readonly name: string;
  /** This instance's id, unique among the instances sharing the engine. */
  readonly instanceId: string;
  /** Starts receiving; resolves once the engine can be used. */
  start(inbox: EngineInbox): Promise<void>;
  /** Why the engine cannot be used now, or `null` when it can. */
  unavailable(): string | null;
  /** Stops receiving and lets go of connections; what this instance recorded expires. */
  close(): Promise<void>;

  /** Records a device as connected to this instance. */
  deviceJoined(user: string, device: string): Promise<Joined>;
  /** Forgets a device of this instance; true when its user has no device left. */
  deviceLeft(user: string, device: string): Promise<boolean>;
  /** A user's connected devices, each with the instance it is connected to. */
  devicesOf(user: string): Promise<Map<string, string>>;
  /** The users connected anywhere, and those of them in an active call. */
  presence(): Promise<{ users: string[]; inCall: string[] }>;

  /** The call a user is in, if any. */
  callOf(user: string): Promise<Call | undefined>;
  /**
   * Replaces the call between two users, atomically: only when each of them
   * is in `expected` (the same id and version), or in no call when it is
   * `undefined`. `next` is the new state, `undefined` to end the call.
   * Resolves false when someone else changed it first.
   */
  swapCall(
    users: readonly [string, string],
    expected: Call | undefined,
    next: Call | undefined,
  ): Promise<boolean>;

  /**
   * Takes a token from the bucket `key`, which every instance shares: false
   * when it is empty. A bucket nobody used for a while is full again.
   */
  takeToken(key: string, limit: RateLimit): Promise<boolean>;

  /** Delivers an envelope to another instance: one message to that instance alone. */
  send(instanceId: string, envelope: Envelope): void;
  /** Delivers a broadcast to every other instance. */
  broadcast(message: Broadcast): void;
}

/** How long a device outlives its instance's last renewal, by default: presence expires within it. */
export const DEFAULT_DEVICE_TTL_MS = 15_000;

/** A new instance id: random, so that instances need no coordination. */
export function newInstanceId(): string {
  return crypto.randomUUID().slice(0, 13);
}
