import assert from "node:assert/strict";
import { generateManifest } from "../lib/fresh/src/manifest.ts";
import { needsPermissions } from "./support/environment.ts";

Deno.test({
  name: "fresh: the checked-in fresh.gen.ts matches routes/ and islands/",
  ignore: needsPermissions(),
  async fn() {
    const root = decodeURIComponent(new URL("../", import.meta.url).pathname)
      .replace(/\/$/, "");
    const expected = await generateManifest(root);
    const actual = await Deno.readTextFile(`${root}/fresh.gen.ts`);
    assert.equal(
      actual,
      expected,
      "fresh.gen.ts is stale: run `deno task manifest`",
    );
  },
});
