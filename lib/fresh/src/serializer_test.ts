import assert from "node:assert/strict";
import { type Signal, signal } from "@preact/signals";
import {
  deserialize,
  SerializationError,
  serializeProps,
} from "./serializer.ts";

Deno.test("props round-trip, signals included", () => {
  const count = signal(3);
  const text = serializeProps([{
    count,
    name: "alice",
    list: [1, { deep: signal("x") }],
    none: null,
  }]);
  assert.match(text, /"count":\{"_f":"s","v":3\}/);
  const [props] = deserialize(text, signal) as [
    {
      count: Signal<number>;
      name: string;
      list: [number, { deep: Signal<string> }];
      none: null;
    },
  ];
  assert.equal(props.count.value, 3);
  props.count.value++;
  assert.equal(props.count.value, 4, "a revived signal is a live signal");
  assert.equal(props.list[1].deep.value, "x");
  assert.equal(props.name, "alice");
  assert.equal(props.none, null);
});

Deno.test("an object with its own _f key is not mistaken for a signal", () => {
  const text = serializeProps([{ data: { _f: "s", v: 1 } }]);
  const [props] = deserialize(
    text,
    () => assert.fail("no signal here"),
  ) as [{ data: unknown }];
  assert.deepEqual(props.data, { _f: "s", v: 1 });
});

Deno.test("props that cannot reach the browser are refused with their path", () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (
    const [props, pattern] of [
      [{ onClick: () => {} }, /islands\[0\]\.onClick is a function/],
      [{ n: NaN }, /islands\[0\]\.n is NaN/],
      [{ big: 1n }, /islands\[0\]\.big is a bigint/],
      [cyclic, /islands\[0\]\.self refers back to itself/],
    ] as const
  ) {
    assert.throws(
      () => serializeProps([props]),
      (e: Error) => e instanceof SerializationError && pattern.test(e.message),
    );
  }
});

Deno.test("serialized props cannot close their script element", () => {
  const text = serializeProps([{ html: "</script><script>alert(1)</script>" }]);
  assert.ok(!text.includes("</script>"));
  assert.deepEqual(deserialize(text, signal), [{
    html: "</script><script>alert(1)</script>",
  }]);
});
