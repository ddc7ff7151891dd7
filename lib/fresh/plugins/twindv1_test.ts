import assert from "node:assert/strict";
import presetTailwind from "@twind/preset-tailwind";
import twind, { classCandidates } from "./twindv1.ts";

Deno.test("class names are found in string literals of any quoting", () => {
  const source =
    `const a = "px-4 py-2"; const b = 'hover:bg-red-500'; const c = \`md:flex \${x} gap-2\`;`;
  const found = classCandidates(source);
  for (const name of ["px-4", "py-2", "hover:bg-red-500", "md:flex", "gap-2"]) {
    assert.ok(found.includes(name), name);
  }
});

Deno.test("class names after the first line of a template literal are found", () => {
  const source =
    'const c = `px-4 ${\n  round ? "rounded-full" : "rounded-lg"\n} focus:ring-2 focus:ring-blue-700`;';
  const found = classCandidates(source);
  for (
    const name of [
      "px-4",
      "rounded-full",
      "focus:ring-2",
      "focus:ring-blue-700",
    ]
  ) {
    assert.ok(found.includes(name), name);
  }
});

Deno.test("a candidate with an open parenthesis does not swallow the ones after it", () => {
  const plugin = twind({ config: { presets: [presetTailwind()] } });
  const { styles } = plugin.render!({
    html: "<p>x</p>",
    buildData: ["Math.max(1,", "absolute", "bottom-2"],
  });
  assert.match(styles![0].cssText, /\.absolute\{position:absolute\}/);
  assert.match(styles![0].cssText, /\.bottom-2\{/);
});

Deno.test("each page's sheet has the page's classes and those islands may add later", () => {
  const plugin = twind({ config: { presets: [presetTailwind()] } });
  const { styles } = plugin.render!({
    html: '<div class="p-4">x</div>',
    buildData: ["ring-2", "not-a-class", "Calling"],
  });
  const css = styles![0].cssText;
  assert.match(css, /\.p-4\{padding:1rem\}/);
  assert.match(css, /\.ring-2\{/);
  assert.ok(!css.includes("not-a-class"));
  const second =
    plugin.render!({ html: '<p class="m-1">y</p>', buildData: ["ring-2"] })
      .styles![0].cssText;
  assert.match(second, /\.m-1\{/);
  assert.match(
    second,
    /\.ring-2\{/,
    "island classes stay in every page's sheet",
  );
  assert.ok(!second.includes(".p-4{"), "another page's classes do not leak in");
});
