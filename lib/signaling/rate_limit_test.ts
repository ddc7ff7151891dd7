import assert from "node:assert/strict";
import { frameCost, KeyedBuckets, TokenBucket } from "./rate_limit.ts";

Deno.test("token bucket: a burst, then refilled at its rate; a cost takes several tokens or none", () => {
  let now = 0;
  const bucket = new TokenBucket(3, 2, () => now);
  assert.deepEqual([1, 2, 3, 4].map(() => bucket.take()), [
    true,
    true,
    true,
    false,
  ]);
  now = 500;
  assert.equal(bucket.take(), true, "one token back after half a second");
  assert.equal(bucket.take(), false);
  now = 2_000;
  assert.equal(bucket.full, true);
  assert.equal(bucket.take(4), false, "more than it holds: nothing taken");
  assert.equal(bucket.take(3), true);
  assert.equal(bucket.take(), false);
});

Deno.test("frame cost: one token per started 16 KiB", () => {
  assert.deepEqual(
    [0, 200, 16 * 1024, 16 * 1024 + 1, 64 * 1024].map(frameCost),
    [
      1,
      1,
      1,
      2,
      4,
    ],
  );
});

Deno.test("keyed buckets: keys apart; refilled keys are forgotten, so a stream of new keys stays small", () => {
  let now = 0;
  const buckets = new KeyedBuckets({ capacity: 2, perSecond: 1 }, () => now);
  assert.equal(buckets.take("a"), true);
  assert.equal(buckets.take("a"), true);
  assert.equal(buckets.take("a"), false);
  assert.equal(buckets.take("b"), true, "another key has its own bucket");
  for (let i = 0; i < 20_000; i++) {
    now += 1;
    buckets.take(`user-${i}`);
  }
  // Each key refills within 2 s, so only the last ~2,000 are remembered, give or take a prune.
  assert.ok(buckets.size <= 4 * 2_000, `${buckets.size} keys remembered`);
});
