import assert from "node:assert/strict";
import { lockTolerant } from "./kv_retry.ts";

/** A real KV whose first `failures` calls of `method` fail as Deno KV does when another process holds the file. */
async function lockedFor(method: "set" | "get" | "commit", failures: number) {
  const kv = await Deno.openKv(":memory:");
  let left = failures;
  const fail = <T>(real: () => Promise<T>) => {
    if (left-- > 0) return Promise.reject(new TypeError("database is locked"));
    return real();
  };
  if (method === "commit") {
    const atomic = kv.atomic.bind(kv);
    kv.atomic = () => {
      const operation = atomic();
      const commit = operation.commit.bind(operation);
      operation.commit = () => fail(commit);
      return operation;
    };
  } else {
    const real = kv[method].bind(kv) as (...args: unknown[]) => Promise<never>;
    (kv as unknown as Record<string, unknown>)[method] = (...args: unknown[]) =>
      fail(() => real(...args));
  }
  return kv;
}

Deno.test("kv retry: a write, a read and an atomic commit met by another process's lock go through", async () => {
  for (const method of ["set", "get", "commit"] as const) {
    const raw = await lockedFor(method, 2);
    const kv = lockTolerant(raw);
    await kv.set(["a"], 1);
    assert.equal((await kv.get(["a"])).value, 1, method);
    const committed = await kv.atomic().set(["b"], 2).commit();
    assert.equal(committed.ok, true, method);
    raw.close();
  }
});

Deno.test("kv retry: a lock that outlasts the attempts, and any other error, reach the caller", async () => {
  const raw = await lockedFor("set", 3);
  await assert.rejects(
    () => lockTolerant(raw).set(["a"], 1),
    /database is locked/,
  );
  raw.close();
  const closed = await Deno.openKv(":memory:");
  closed.close();
  await assert.rejects(() => lockTolerant(closed).get(["a"]));
});
