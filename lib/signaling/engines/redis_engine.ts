/**
 * The Redis engine: many instances share users and calls through one Redis
 * (standalone or behind Sentinel; not Redis Cluster, whose scripts may only
 * touch the keys they declare).
 *
 * - A device is recorded in `user:{id}` (device → instance) and in the sorted
 *   set `alive`, scored with when it expires. Its instance renews it; when the
 *   instance dies, it expires, and one surviving instance takes it out and
 *   handles what it leaves (its calls, its user's presence).
 * - A call is a JSON value under `call:{user}` for both users, changed only by
 *   a script that compares id and version first: "in a call" is claimed
 *   atomically, whichever instances the two users are on.
 * - A message for a device elsewhere is one PUBLISH to its instance's
 *   channel; only presence goes to every instance.
 * @module
 */
import type * as Redis from "redis";
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
import {
  DEVICES,
  JOIN,
  LEAVE,
  RENEW,
  SWAP,
  SWEEP,
  TAKE_TOKEN,
} from "./redis_scripts.ts";

/** How to reach Redis, and how this instance behaves there. */
export interface RedisEngineOptions {
  /** `redis://[:password@]host:port[/db]`, or `rediss://` for TLS. */
  url: string;
  /** Key and channel prefix, so that several apps may share one Redis. */
  prefix?: string;
  instanceId?: string;
  /** How long a device outlives its instance's last renewal. */
  deviceTtlMs?: number;
  /** Told of what failed in the background: a publish, a renewal, a sweep. */
  onError?: (operation: string, error: unknown) => void;
}

/** How many devices one renewal script carries. */
const RENEW_BATCH = 500;

/**
 * How long messages for another instance gather before they go as one
 * PUBLISH. A write to Redis costs this runtime tens of µs of JavaScript
 * (Node's `net.Socket` as Deno provides it), more than relaying a message
 * does; gathered for the turn of the event loop only, most messages went in a
 * PUBLISH of their own. A millisecond gathers several at load and is nothing
 * to a call's signaling.
 */
const PUBLISH_WINDOW_MS = 1;

/** How often expired devices are looked for. */
const SWEEP_EVERY_MS = 1_000;

type RedisClient = ReturnType<typeof Redis.createClient>;

/** A broadcast on the wire, with its sender so that it skips itself. */
type BroadcastFrame = Broadcast & { sender: string };

/** Users and calls shared through Redis, messages through its pub/sub. */
export class RedisEngine implements SignalingEngine {
  readonly name = "redis";
  readonly instanceId: string;
  #url: string;
  #prefix: string;
  #ttl: number;
  #onError: (operation: string, error: unknown) => void;
  #client: RedisClient | null = null;
  #subscriber: RedisClient | null = null;
  #inbox: EngineInbox | null = null;
  #loops: ReturnType<typeof setInterval>[] = [];
  #wasReady = false;
  #started = false;
  /** Envelopes waiting for the end of this turn, by instance. */
  #outbox = new Map<string, Envelope[]>();

  constructor(options: RedisEngineOptions) {
    this.instanceId = options.instanceId ?? newInstanceId();
    this.#url = options.url;
    this.#prefix = options.prefix ?? "nexus:";
    this.#ttl = options.deviceTtlMs ?? DEFAULT_DEVICE_TTL_MS;
    this.#onError = options.onError ?? (() => {});
  }

  async start(inbox: EngineInbox): Promise<void> {
    // Loaded here, so that an instance without Redis does not pay for the client at start.
    const { createClient } = await import("redis");
    // Commands fail at once while Redis is away rather than wait in a queue:
    // a caller hears "unavailable" instead of nothing.
    const settings = {
      url: this.#url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2_000,
        reconnectStrategy: (retries: number) =>
          Math.min(50 * 2 ** retries, 2_000),
      },
    };
    const client = this.#client = createClient(settings);
    const subscriber = this.#subscriber = createClient(settings);
    client.on("error", (error: unknown) => this.#onError("redis", error));
    subscriber.on("error", () => {
      // The command client reports the same outage once.
    });
    this.#inbox = inbox;
    client.on("ready", () => {
      // Redis came back, perhaps empty: record again what this instance holds.
      if (this.#wasReady) {
        this.#background("rebuild", inbox.rebuild());
      }
      this.#wasReady = true;
    });
    await Promise.all([client.connect(), subscriber.connect()]);
    await subscriber.subscribe(
      this.#channel(this.instanceId),
      (message) => {
        for (const envelope of JSON.parse(message) as Envelope[]) {
          inbox.deliver(envelope);
        }
      },
    );
    await subscriber.subscribe(this.#key("broadcast"), (message) => {
      const frame = JSON.parse(message) as BroadcastFrame;
      if (frame.sender !== this.instanceId) inbox.broadcast(frame);
    });
    this.#loops.push(
      setInterval(
        () => this.#background("renew", this.#renew()),
        this.#ttl / 3,
      ),
      setInterval(
        () => this.#background("sweep", this.#sweep()),
        Math.min(SWEEP_EVERY_MS, this.#ttl / 3),
      ),
    );
    this.#started = true;
  }

  unavailable(): string | null {
    if (!this.#client?.isReady) {
      return `Redis at ${this.#where()} is unreachable`;
    }
    return this.#started ? null : `connecting to Redis at ${this.#where()}`;
  }

  async close(): Promise<void> {
    for (const loop of this.#loops) clearInterval(loop);
    this.#loops = [];
    this.#inbox = null;
    await Promise.allSettled([
      this.#client?.isOpen ? this.#client.close() : undefined,
      this.#subscriber?.isOpen ? this.#subscriber.close() : undefined,
    ]);
  }

  async deviceJoined(user: string, device: string): Promise<Joined> {
    const now = Date.now();
    const [wentOnline, movedFrom] = await this.#eval(JOIN, [
      this.#prefix,
      String(now),
      user,
      device,
      this.instanceId,
      String(now + this.#ttl),
    ]) as [number, string];
    return { wentOnline: wentOnline === 1, movedFrom: movedFrom || null };
  }

  async deviceLeft(user: string, device: string): Promise<boolean> {
    const offline = await this.#eval(LEAVE, [
      this.#prefix,
      String(Date.now()),
      user,
      device,
      this.instanceId,
    ]);
    return offline === 1;
  }

  async devicesOf(user: string): Promise<Map<string, string>> {
    const flat = await this.#eval(DEVICES, [
      this.#prefix,
      String(Date.now()),
      user,
    ]) as string[];
    const devices = new Map<string, string>();
    for (let i = 0; i < flat.length; i += 2) devices.set(flat[i], flat[i + 1]);
    return devices;
  }

  async presence(): Promise<{ users: string[]; inCall: string[] }> {
    const [members, inCall] = await Promise.all([
      this.#redis.zRangeByScore(this.#key("alive"), Date.now(), "+inf"),
      this.#redis.sMembers(this.#key("in-call")),
    ]);
    const users = [...new Set(members.map((member) => member.split("\n")[0]))];
    const online = new Set(users);
    return { users, inCall: inCall.filter((user) => online.has(user)) };
  }

  async callOf(user: string): Promise<Call | undefined> {
    const value = await this.#redis.get(this.#key(`call:${user}`));
    return value === null ? undefined : JSON.parse(value) as Call;
  }

  async swapCall(
    users: readonly [string, string],
    expected: Call | undefined,
    next: Call | undefined,
  ): Promise<boolean> {
    const swapped = await this.#eval(SWAP, [
      this.#prefix,
      users[0],
      users[1],
      expected ? `${expected.id}:${expected.version}` : "",
      next ? JSON.stringify(next) : "",
      next?.phase ?? "",
    ]);
    return swapped === 1;
  }

  async takeToken(key: string, limit: RateLimit): Promise<boolean> {
    const taken = await this.#eval(TAKE_TOKEN, [
      this.#key(`rate:${key}`),
      String(limit.capacity),
      String(limit.perSecond),
    ]);
    return taken === 1;
  }

  send(instanceId: string, envelope: Envelope): void {
    let batch = this.#outbox.get(instanceId);
    if (!batch) {
      this.#outbox.set(instanceId, batch = []);
      if (this.#outbox.size === 1) {
        setTimeout(() => this.#flush(), PUBLISH_WINDOW_MS);
      }
    }
    batch.push(envelope);
  }

  /** Publishes what was addressed to each instance in the last window as one message. */
  #flush(): void {
    for (const [instanceId, batch] of this.#outbox) {
      this.#publish(this.#channel(instanceId), JSON.stringify(batch));
    }
    this.#outbox.clear();
  }

  broadcast(message: Broadcast): void {
    const frame: BroadcastFrame = { ...message, sender: this.instanceId };
    this.#publish(this.#key("broadcast"), JSON.stringify(frame));
  }

  #publish(channel: string, text: string): void {
    // While Redis is away the message is lost, as on a dropped socket; the
    // outage itself is reported once per reconnect attempt, not per message.
    if (!this.#client?.isReady) return;
    this.#background("publish", this.#client.publish(channel, text));
  }

  /** Renews every device of this instance, so that they do not expire. */
  async #renew(): Promise<void> {
    const inbox = this.#inbox;
    if (!inbox || !this.#client?.isReady) return;
    const head = [
      this.#prefix,
      this.instanceId,
      String(Date.now() + this.#ttl),
    ];
    let batch: string[] = [];
    for (const { user, device } of inbox.devices()) {
      batch.push(user, device);
      if (batch.length === RENEW_BATCH * 2) {
        await this.#eval(RENEW, [...head, ...batch]);
        batch = [];
      }
    }
    if (batch.length > 0) await this.#eval(RENEW, [...head, ...batch]);
  }

  /** Takes out devices whose instance stopped renewing them, and hands them to the hub. */
  async #sweep(): Promise<void> {
    const inbox = this.#inbox;
    if (!inbox || !this.#client?.isReady) return;
    const flat = await this.#eval(SWEEP, [
      this.#prefix,
      String(Date.now()),
    ]) as (string | number)[];
    if (flat.length === 0) return;
    const lost = [];
    for (let i = 0; i < flat.length; i += 3) {
      lost.push({
        user: String(flat[i]),
        device: String(flat[i + 1]),
        offline: flat[i + 2] === 1,
      });
    }
    inbox.lost(lost);
  }

  /** The command connection; the hub uses the engine only once it started. */
  get #redis(): RedisClient {
    if (!this.#client) throw new Error("the Redis engine has not started");
    return this.#client;
  }

  #eval(script: string, args: string[]): Promise<unknown> {
    return this.#redis.eval(script, { arguments: args });
  }

  #background(operation: string, work: Promise<unknown>): void {
    work.catch((error) => this.#onError(operation, error));
  }

  #key(name: string): string {
    return this.#prefix + name;
  }

  #channel(instance: string): string {
    return `${this.#prefix}to:${instance}`;
  }

  /** The URL without its password, for messages. */
  #where(): string {
    try {
      const url = new URL(this.#url);
      url.password = "";
      url.username = "";
      return url.host;
    } catch {
      return "the configured URL";
    }
  }
}
