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
import { setImmediate } from "node:timers";
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

/** Finds a user's devices that have not expired: a flat list of device, instance. */
const LIVE_DEVICES = `
local prefix, now = ARGV[1], tonumber(ARGV[2])
local function live_devices(user)
  local fields = redis.call("HGETALL", prefix .. "user:" .. user)
  local live = {}
  for i = 1, #fields, 2 do
    local expires = redis.call("ZSCORE", prefix .. "alive", user .. "\\n" .. fields[i])
    if expires and tonumber(expires) > now then
      live[#live + 1] = fields[i]
      live[#live + 1] = fields[i + 1]
    end
  end
  return live
end
`;

/**
 * ARGV: prefix, now, user, device, instance, expires. Returns 1 when the user
 * was offline, and the other instance this device was live on ("" if none).
 */
const JOIN = LIVE_DEVICES + `
local user, device = ARGV[3], ARGV[4]
local live = live_devices(user)
local moved_from = ""
for i = 1, #live, 2 do
  if live[i] == device and live[i + 1] ~= ARGV[5] then moved_from = live[i + 1] end
end
redis.call("HSET", prefix .. "user:" .. user, device, ARGV[5])
redis.call("ZADD", prefix .. "alive", ARGV[6], user .. "\\n" .. device)
return {#live > 0 and 0 or 1, moved_from}
`;

/** ARGV: prefix, now, user, device, instance. Returns 1 when the user has no device left. */
const LEAVE = LIVE_DEVICES + `
local user, device = ARGV[3], ARGV[4]
local key = prefix .. "user:" .. user
-- A device that moved to another instance meanwhile is that instance's now.
if redis.call("HGET", key, device) == ARGV[5] then
  redis.call("HDEL", key, device)
  redis.call("ZREM", prefix .. "alive", user .. "\\n" .. device)
end
return #live_devices(user) > 0 and 0 or 1
`;

/** ARGV: prefix, now, user. */
const DEVICES = LIVE_DEVICES + `
return live_devices(ARGV[3])
`;

/**
 * ARGV: prefix, instance, expires, then user, device pairs. A device another
 * instance has taken over (the page reconnected there) is that instance's to renew.
 */
const RENEW = `
local prefix, instance, expires = ARGV[1], ARGV[2], ARGV[3]
for i = 4, #ARGV, 2 do
  local key = prefix .. "user:" .. ARGV[i]
  local owner = redis.call("HGET", key, ARGV[i + 1])
  if not owner or owner == instance then
    redis.call("HSET", key, ARGV[i + 1], instance)
    redis.call("ZADD", prefix .. "alive", expires, ARGV[i] .. "\\n" .. ARGV[i + 1])
  end
end
return 0
`;

/** ARGV: prefix, now. Takes out expired devices: user, device, 1 when the user is offline now. */
const SWEEP = LIVE_DEVICES + `
local expired = redis.call("ZRANGEBYSCORE", prefix .. "alive", "-inf", ARGV[2], "LIMIT", 0, 500)
local lost = {}
for _, member in ipairs(expired) do
  redis.call("ZREM", prefix .. "alive", member)
  local cut = string.find(member, "\\n", 1, true)
  local user, device = string.sub(member, 1, cut - 1), string.sub(member, cut + 1)
  redis.call("HDEL", prefix .. "user:" .. user, device)
  lost[#lost + 1] = user
  lost[#lost + 1] = device
  lost[#lost + 1] = #live_devices(user) > 0 and 0 or 1
end
return lost
`;

/**
 * ARGV: prefix, user a, user b, expected "id:version" ("" for no call), the
 * next call's JSON ("" to end it), its phase. Returns 1 when swapped.
 */
const SWAP = `
local prefix, a, b = ARGV[1], ARGV[2], ARGV[3]
local function tag(user)
  local value = redis.call("GET", prefix .. "call:" .. user)
  if not value then return "" end
  local call = cjson.decode(value)
  return call.id .. ":" .. tostring(call.version)
end
if tag(a) ~= ARGV[4] or tag(b) ~= ARGV[4] then return 0 end
local in_call = prefix .. "in-call"
if ARGV[5] == "" then
  redis.call("DEL", prefix .. "call:" .. a, prefix .. "call:" .. b)
  redis.call("SREM", in_call, a, b)
  return 1
end
redis.call("SET", prefix .. "call:" .. a, ARGV[5])
redis.call("SET", prefix .. "call:" .. b, ARGV[5])
if ARGV[6] == "active" then
  redis.call("SADD", in_call, a, b)
else
  redis.call("SREM", in_call, a, b)
end
return 1
`;

/**
 * ARGV: the bucket's key, capacity, tokens per second. A token bucket on
 * Redis's own clock, so that instances whose clocks differ share it fairly;
 * it expires once it would be full again. Returns 1 when a token was taken.
 */
const TAKE_TOKEN = `
local key, capacity, rate = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call("HMGET", key, "tokens", "at")
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - at) / 1000 * rate)
local taken = 0
if tokens >= 1 then
  tokens = tokens - 1
  taken = 1
end
redis.call("HSET", key, "tokens", tostring(tokens), "at", tostring(now))
redis.call("PEXPIRE", key, math.ceil((capacity - tokens) / rate * 1000) + 1)
return taken
`;

/** How many devices one renewal script carries. */
const RENEW_BATCH = 500;

/** How often expired devices are looked for. */
const SWEEP_EVERY_MS = 1_000;

type RedisClient = ReturnType<typeof Redis.createClient>;

/** A broadcast on the wire, with its sender so that it skips itself. */
interface BroadcastFrame extends Broadcast {
  sender: string;
}

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
      if (this.#outbox.size === 1) setImmediate(() => this.#flush());
    }
    batch.push(envelope);
  }

  /**
   * Publishes what this turn of the event loop addressed to each instance as
   * one message: under load that is several envelopes per PUBLISH, and the
   * system calls, not the JavaScript, are most of what a message costs.
   */
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
