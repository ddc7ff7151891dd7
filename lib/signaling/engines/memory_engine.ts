/**
 * The in-process engine: one instance, its state in this process's memory.
 * The default: nothing to set up, and nothing to share.
 * @module
 */
import { type Call, sameCall } from "../call.ts";
import { CallTable } from "../call_table.ts";
import type { Joined, SignalingEngine } from "./engine.ts";
import { KeyedBuckets, type RateLimit } from "../rate_limit.ts";

/** Users and calls of a single instance, in memory. */
export class MemoryEngine implements SignalingEngine {
  readonly name = "memory";
  readonly instanceId = "local";
  #devices = new Map<string, Set<string>>();
  #calls = new CallTable();
  #buckets = new Map<string, KeyedBuckets>();

  start(): Promise<void> {
    return Promise.resolve();
  }

  unavailable(): null {
    return null;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  deviceJoined(user: string, device: string): Promise<Joined> {
    let devices = this.#devices.get(user);
    const wentOnline = !devices;
    if (!devices) this.#devices.set(user, devices = new Set());
    devices.add(device);
    return Promise.resolve({ wentOnline, movedFrom: null });
  }

  deviceLeft(user: string, device: string): Promise<boolean> {
    const devices = this.#devices.get(user);
    devices?.delete(device);
    if (devices?.size !== 0) return Promise.resolve(false);
    this.#devices.delete(user);
    return Promise.resolve(true);
  }

  devicesOf(user: string): Promise<Map<string, string>> {
    const devices = this.#devices.get(user) ?? [];
    return Promise.resolve(
      new Map([...devices].map((device) => [device, this.instanceId])),
    );
  }

  presence(): Promise<{ users: string[]; inCall: string[] }> {
    const users = [...this.#devices.keys()];
    const inCall = users.filter((user) =>
      this.#calls.of(user)?.phase === "active"
    );
    return Promise.resolve({ users, inCall });
  }

  callOf(user: string): Promise<Call | undefined> {
    return Promise.resolve(this.#calls.of(user));
  }

  swapCall(
    users: readonly [string, string],
    expected: Call | undefined,
    next: Call | undefined,
  ): Promise<boolean> {
    if (!users.every((user) => sameCall(this.#calls.of(user), expected))) {
      return Promise.resolve(false);
    }
    if (expected) this.#calls.remove(expected);
    if (next) this.#calls.put(next);
    return Promise.resolve(true);
  }

  takeToken(key: string, limit: RateLimit): Promise<boolean> {
    // One set of buckets per limit, so that a key is always refilled at its own rate.
    const name = `${limit.capacity}/${limit.perSecond}`;
    let buckets = this.#buckets.get(name);
    if (!buckets) this.#buckets.set(name, buckets = new KeyedBuckets(limit));
    return Promise.resolve(buckets.take(key));
  }

  send(): void {
    throw new Error("the in-process engine has no other instance");
  }

  broadcast(): void {
    // There is no other instance to tell.
  }
}
