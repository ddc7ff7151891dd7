/**
 * The Deno Deploy engine: Deploy runs the app as many isolates, in several
 * regions. They share state through Deno KV and reach each other through
 * BroadcastChannel, as Deploy documents both.
 *
 * - A device is `["device", user, device]` → its instance and when it expires,
 *   renewed by its instance; expired ones are taken out by whichever instance
 *   deletes them first (an atomic check on the entry's versionstamp). KV's
 *   own `expireIn` is not used: it would delete them unseen, and nobody
 *   would end their calls.
 * - A call is `["call", user]` for both users, changed by one atomic
 *   operation that checks both entries are still the expected state.
 * - Each instance listens on its own channel, so a message for a device costs
 *   one post to its instance; presence goes to a channel they all share.
 * @module
 */
import type { Call } from "../call.ts";
import type { RateLimit } from "../rate_limit.ts";
import {
  type Broadcast,
  DEFAULT_DEVICE_TTL_MS,
  type EngineInbox,
  type Envelope,
  type Joined,
  newInstanceId,
  type SignalingEngine,
} from "./engine.ts";

/** How the Deploy engine is set up. */
export interface DeployEngineOptions {
  /** The KV store; Deploy's own by default (`Deno.openKv()`). */
  kv?: Deno.Kv;
  instanceId?: string;
  /** How long a device outlives its instance's last renewal. */
  deviceTtlMs?: number;
  /** Told of what failed in the background: a renewal, a sweep. */
  onError?: (operation: string, error: unknown) => void;
}

/** A device as KV holds it. */
interface DeviceEntry {
  instance: string;
  expires: number;
}

/** A broadcast on the wire, with its sender so that it skips itself. */
type BroadcastFrame = Broadcast & { sender: string };

/** Channels kept open to other isolates: Deploy starts and stops them often. */
const OUTBOUND_CHANNELS = 64;

/** A shared token bucket as KV holds it. */
interface BucketEntry {
  tokens: number;
  at: number;
}

/** How often taking a token is tried again when other instances take one first. */
const TAKE_ATTEMPTS = 10;

/** KV allows this many mutations in one atomic operation. */
const MUTATIONS_PER_COMMIT = 500;

/** Users and calls in Deno KV, messages over BroadcastChannel. */
export class DeployEngine implements SignalingEngine {
  readonly name = "deploy";
  readonly instanceId: string;
  #kv: Deno.Kv | null;
  #ownsKv: boolean;
  #ttl: number;
  #onError: (operation: string, error: unknown) => void;
  #inbound: BroadcastChannel | null = null;
  #everyone: BroadcastChannel | null = null;
  #outbound = new Map<string, BroadcastChannel>();
  #loops: ReturnType<typeof setInterval>[] = [];

  constructor(options: DeployEngineOptions = {}) {
    this.instanceId = options.instanceId ?? newInstanceId();
    this.#kv = options.kv ?? null;
    this.#ownsKv = !options.kv;
    this.#ttl = options.deviceTtlMs ?? DEFAULT_DEVICE_TTL_MS;
    this.#onError = options.onError ?? (() => {});
  }

  async start(inbox: EngineInbox): Promise<void> {
    this.#kv ??= await Deno.openKv();
    this.#inbound = new BroadcastChannel(channelOf(this.instanceId));
    this.#inbound.onmessage = (event: MessageEvent<Envelope>) =>
      inbox.deliver(event.data);
    this.#everyone = new BroadcastChannel("nexus:broadcast");
    this.#everyone.onmessage = (event: MessageEvent<BroadcastFrame>) => {
      if (event.data.sender !== this.instanceId) inbox.broadcast(event.data);
    };
    this.#loops.push(
      setInterval(
        () => this.#background("renew", this.#renew(inbox)),
        this.#ttl / 3,
      ),
      setInterval(
        () => this.#background("sweep", this.#sweep(inbox)),
        this.#ttl / 3,
      ),
    );
  }

  unavailable(): string | null {
    return this.#kv ? null : "Deno KV is not open yet";
  }

  close(): Promise<void> {
    for (const loop of this.#loops) clearInterval(loop);
    this.#loops = [];
    for (
      const channel of [
        this.#inbound,
        this.#everyone,
        ...this.#outbound.values(),
      ]
    ) channel?.close();
    this.#outbound.clear();
    if (this.#ownsKv) this.#kv?.close();
    return Promise.resolve();
  }

  async deviceJoined(user: string, device: string): Promise<Joined> {
    const before = await this.devicesOf(user);
    await this.#store.set(["device", user, device], this.#entry());
    const previous = before.get(device);
    return {
      wentOnline: before.size === 0,
      movedFrom: previous !== undefined && previous !== this.instanceId
        ? previous
        : null,
    };
  }

  async deviceLeft(user: string, device: string): Promise<boolean> {
    const key = ["device", user, device];
    const entry = await this.#store.get<DeviceEntry>(key);
    // A device that moved to another instance meanwhile is that instance's now.
    if (entry.value?.instance === this.instanceId) {
      await this.#store.atomic().check(entry).delete(key).commit();
    }
    return (await this.devicesOf(user)).size === 0;
  }

  async devicesOf(user: string): Promise<Map<string, string>> {
    const devices = new Map<string, string>();
    const now = Date.now();
    for await (
      const { key, value } of this.#store.list<DeviceEntry>({
        prefix: ["device", user],
      })
    ) {
      if (value.expires > now) devices.set(key[2] as string, value.instance);
    }
    return devices;
  }

  async presence(): Promise<{ users: string[]; inCall: string[] }> {
    const online = new Set<string>();
    const now = Date.now();
    for await (
      const { key, value } of this.#store.list<DeviceEntry>({
        prefix: ["device"],
      })
    ) {
      if (value.expires > now) online.add(key[1] as string);
    }
    const inCall: string[] = [];
    for await (
      const { key, value } of this.#store.list<Call>({ prefix: ["call"] })
    ) {
      const user = key[1] as string;
      if (value.phase === "active" && online.has(user)) inCall.push(user);
    }
    return { users: [...online], inCall };
  }

  async callOf(user: string): Promise<Call | undefined> {
    return (await this.#store.get<Call>(["call", user])).value ?? undefined;
  }

  async swapCall(
    users: readonly [string, string],
    expected: Call | undefined,
    next: Call | undefined,
  ): Promise<boolean> {
    const entries = await this.#store.getMany<Call[]>(
      users.map((user) => ["call", user]),
    );
    const matches = entries.every(({ value }) =>
      value?.id === expected?.id && value?.version === expected?.version
    );
    if (!matches) return false;
    const operation = this.#store.atomic();
    for (const entry of entries) {
      operation.check(entry);
      if (next) operation.set(entry.key, next);
      else operation.delete(entry.key);
    }
    return (await operation.commit()).ok;
  }

  async takeToken(key: string, limit: RateLimit): Promise<boolean> {
    const kvKey = ["rate", key];
    for (let attempt = 0; attempt < TAKE_ATTEMPTS; attempt++) {
      const entry = await this.#store.get<BucketEntry>(kvKey);
      const now = Date.now();
      const { tokens: left, at } = entry.value ??
        { tokens: limit.capacity, at: now };
      const tokens = Math.min(
        limit.capacity,
        left + ((now - at) / 1000) * limit.perSecond,
      );
      if (tokens < 1) return false;
      const untilFull = ((limit.capacity - tokens + 1) / limit.perSecond) *
        1000;
      const { ok } = await this.#store.atomic().check(entry)
        .set(kvKey, { tokens: tokens - 1, at: now }, {
          expireIn: Math.ceil(untilFull) + 1,
        })
        .commit();
      if (ok) return true;
    }
    return false;
  }

  send(instanceId: string, envelope: Envelope): void {
    let channel = this.#outbound.get(instanceId);
    if (channel) {
      // Most recently used last, so that the oldest is the first to go.
      this.#outbound.delete(instanceId);
    } else {
      channel = new BroadcastChannel(channelOf(instanceId));
      if (this.#outbound.size === OUTBOUND_CHANNELS) {
        const [oldest, unused] = this.#outbound.entries().next().value!;
        unused.close();
        this.#outbound.delete(oldest);
      }
    }
    this.#outbound.set(instanceId, channel);
    channel.postMessage(envelope);
  }

  broadcast(message: Broadcast): void {
    const frame: BroadcastFrame = { ...message, sender: this.instanceId };
    this.#everyone?.postMessage(frame);
  }

  get #store(): Deno.Kv {
    if (!this.#kv) throw new Error("the Deploy engine has not started");
    return this.#kv;
  }

  #entry(): DeviceEntry {
    return { instance: this.instanceId, expires: Date.now() + this.#ttl };
  }

  async #renew(inbox: EngineInbox): Promise<void> {
    let operation = this.#store.atomic();
    let mutations = 0;
    for (const { user, device } of inbox.devices()) {
      operation.set(["device", user, device], this.#entry());
      if (++mutations === MUTATIONS_PER_COMMIT) {
        await operation.commit();
        operation = this.#store.atomic();
        mutations = 0;
      }
    }
    if (mutations > 0) await operation.commit();
  }

  /** Takes out devices whose instance stopped renewing them, and hands them to the hub. */
  async #sweep(inbox: EngineInbox): Promise<void> {
    const now = Date.now();
    const expired: Deno.KvEntry<DeviceEntry>[] = [];
    for await (
      const entry of this.#store.list<DeviceEntry>({ prefix: ["device"] })
    ) {
      if (entry.value.expires <= now) expired.push(entry);
    }
    const lost = [];
    for (const entry of expired) {
      const taken = await this.#store.atomic().check(entry).delete(entry.key)
        .commit();
      if (!taken.ok) continue;
      const user = entry.key[1] as string;
      lost.push({
        user,
        device: entry.key[2] as string,
        offline: (await this.devicesOf(user)).size === 0,
      });
    }
    if (lost.length > 0) inbox.lost(lost);
  }

  #background(operation: string, work: Promise<unknown>): void {
    work.catch((error) => this.#onError(operation, error));
  }
}

function channelOf(instanceId: string): string {
  return `nexus:to:${instanceId}`;
}
