import assert from "node:assert/strict";
import { signal } from "@preact/signals";
import { h } from "preact";
import { Head } from "../runtime.ts";
import { collectIslands, registerIslands, renderPage } from "./render.ts";

function Counter(props: { start: number }) {
  return <button type="button">{props.start}</button>;
}
function Other() {
  return <span>other</span>;
}
const islands = collectIslands({
  "./islands/Counter.tsx": { default: Counter, Other, notAComponent: 4 },
});
registerIslands(islands);
const bundles = {
  base: "/_frsh/js/abc",
  main: "main.js",
  islands: { "./islands/Counter.tsx": "islands/Counter.js" },
};

function Page() {
  return (
    <html>
      <head>
        <title>t</title>
      </head>
      <body>
        <Head>
          <meta name="extra" content="1" />
        </Head>
        <p>before</p>
        <Counter start={1} />
        <Counter key="second" start={signal(2) as unknown as number} />
        <Other />
      </body>
    </html>
  );
}

Deno.test("islands are found by export and named by file and export", () => {
  assert.deepEqual(islands.map((i) => i.id), [
    "counter_default",
    "counter_Other",
  ]);
});

Deno.test("a page with islands: markers, state, client runtime, head", () => {
  const html = renderPage({
    root: <Page />,
    plugins: [],
    pluginData: {},
    bundles,
  });
  assert.ok(html.startsWith("<!DOCTYPE html><html>"));
  assert.match(
    html,
    /<!--frsh-counter_default:0:--><button type="button">1<\/button><!--\/frsh-counter_default:0:-->/,
  );
  assert.match(html, /<!--frsh-counter_default:1:second-->/);
  assert.match(
    html,
    /<!--frsh-counter_Other:2:--><span>other<\/span><!--\/frsh-counter_Other:2:-->/,
  );
  const state = html.match(
    /<script id="__FRSH_STATE" type="application\/json">(.*?)<\/script>/,
  )![1];
  assert.deepEqual(JSON.parse(state), {
    islands: {
      counter_default: ["/_frsh/js/abc/islands/Counter.js", "default"],
      counter_Other: ["/_frsh/js/abc/islands/Counter.js", "Other"],
    },
    props: [{ start: 1 }, { start: { _f: "s", v: 2 } }, {}],
  });
  assert.match(
    html,
    /<script type="module" src="\/_frsh\/js\/abc\/main\.js"><\/script><\/body>/,
  );
  assert.match(
    html,
    /<link rel="modulepreload" href="\/_frsh\/js\/abc\/islands\/Counter\.js">/,
  );
  assert.ok(
    !/<script(?! id="__FRSH_STATE" type="application\/json")(?! type="module" src=)/
      .test(html),
    "no inline JavaScript",
  );
  assert.match(html, /<meta name="extra" content="1"\/>.*<\/head>/);
  assert.ok(html.indexOf("__FRSH_STATE") > html.indexOf("<p>before</p>"));
});

Deno.test("a page without islands ships no JavaScript", () => {
  const html = renderPage({
    root: h(
      "html",
      null,
      h("head", null),
      h("body", null, h("p", null, "static")),
    ),
    plugins: [],
    pluginData: {},
    bundles,
  });
  assert.ok(!html.includes("<script"));
  assert.ok(!html.includes("modulepreload"));
});

Deno.test("plugins add styles to the head", () => {
  const html = renderPage({
    root: h("html", null, h("head", null), h("body", null)),
    plugins: [{
      name: "p",
      render: ({ buildData }) => ({
        styles: [{ cssText: `p{}/*${buildData}*/</style>`, id: "s" }],
      }),
    }],
    pluginData: { p: "data" },
    bundles,
  });
  assert.match(
    html,
    /<style id="s">p\{\}\/\*data\*\/<\\\/style><\/style><\/head>/,
  );
});
