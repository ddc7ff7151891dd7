import assert from "node:assert/strict";
import { closeMarker, openMarker, parseMarker } from "./markers.ts";

Deno.test("island markers", () => {
  assert.equal(
    openMarker("callinterface_default", 0, ""),
    "frsh-callinterface_default:0:",
  );
  assert.equal(
    closeMarker("counter_default", 2, "k"),
    "/frsh-counter_default:2:k",
  );
  assert.deepEqual(parseMarker("frsh-counter_default:2:k"), {
    id: "counter_default",
    index: 2,
    key: "k",
  });
  assert.equal(parseMarker("/frsh-counter_default:2:k"), undefined);
  assert.equal(parseMarker("an ordinary comment"), undefined);
});
