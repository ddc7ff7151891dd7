/**
 * axe-core (WCAG 2.2 A and AA) in a Playwright page, and the check that no
 * visible control is covered by anything else. Test-only.
 * @module
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";

/**
 * axe-core's own script, evaluated in each page (the page's CSP allows no
 * inline script tag). Loaded when first needed: axe-core reads the
 * environment as it loads, which a bare `deno test` does not allow.
 */
let axeSource: Promise<string> | null = null;
const loadAxe = () =>
  axeSource ??= import("axe-core").then((axe) =>
    (axe.default as unknown as { source: string }).source
  );

/** The serious and critical violations axe finds on `page` now, one line each. */
export async function violations(page: Page): Promise<string[]> {
  if (!await page.evaluate(() => "axe" in globalThis)) {
    await page.evaluate(await loadAxe());
  }
  const found = await page.evaluate(async () => {
    const run = (globalThis as unknown as {
      axe: {
        run(context: Document, options: unknown): Promise<{
          violations: {
            id: string;
            impact: string | null;
            nodes: { target: string[]; failureSummary?: string }[];
          }[];
        }>;
      };
    }).axe.run;
    const result = await run(document, {
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
      },
    });
    return result.violations;
  });
  return found
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) =>
      v.nodes.map((node) =>
        `${v.id} at ${node.target.join(" ")}: ${
          node.failureSummary?.split("\n").slice(1).join(" ").trim()
        }`
      )
    );
}

/** Fails with every serious or critical violation on `page` in `state`. */
export async function expectClean(page: Page, state: string): Promise<void> {
  const found = await violations(page);
  assert.deepEqual(found, [], `${state}:\n${found.join("\n")}`);
}

/**
 * The visible controls (buttons, links, fields) of `page` whose centre,
 * once scrolled into view, is covered by another element, each described:
 * none should be. The page is left scrolled.
 */
export function coveredControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const controls = document.querySelectorAll<HTMLElement>(
      "button, a[href], input, select, textarea, [role=button], [role=checkbox]",
    );
    const covered: string[] = [];
    for (const control of controls) {
      // Not shown: no box, hidden, or inside a closed disclosure.
      if (
        !control.checkVisibility({
          contentVisibilityAuto: true,
          opacityProperty: true,
          visibilityProperty: true,
        })
      ) continue;
      // A control below the fold is reached by scrolling: it is checked there.
      control.scrollIntoView({ block: "center", inline: "center" });
      const box = control.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const x = box.left + box.width / 2;
      const y = box.top + box.height / 2;
      const hit = document.elementFromPoint(x, y);
      // A control's label or its own children count as the control.
      if (
        hit && (control.contains(hit) || hit.contains(control) ||
          (hit as HTMLLabelElement).control === control)
      ) continue;
      covered.push(
        `${control.tagName.toLowerCase()} "${
          control.getAttribute("aria-label") ?? control.textContent?.trim() ??
            ""
        }" under ${hit?.tagName.toLowerCase() ?? "nothing"}`,
      );
    }
    return covered;
  });
}

/** Fails if any visible control of `page` is covered, in `state`. */
export async function expectUncovered(page: Page, state: string) {
  const found = await coveredControls(page);
  assert.deepEqual(
    found,
    [],
    `${state}: covered controls:\n${found.join("\n")}`,
  );
}

/** What one Tab press focused: its mark, whether its focus shows, and its name. */
interface Focused {
  id: string | null;
  ring: boolean;
  name: string;
}

/**
 * Presses Tab until focus comes round again (at most `presses` times): the
 * visible, enabled controls focus never reached, and those it reached whose
 * focus shows nothing (no outline, no ring), each described.
 */
export async function keyboardGaps(
  page: Page,
  presses = 80,
): Promise<{ unreached: string[]; unringed: string[] }> {
  await page.evaluate(() => {
    let n = 0;
    for (
      const control of document.querySelectorAll<HTMLElement>(
        "button, a[href], input, select, textarea, summary",
      )
    ) {
      if (
        (control as HTMLButtonElement).disabled || !control.checkVisibility({
          contentVisibilityAuto: true,
          opacityProperty: true,
          visibilityProperty: true,
        })
      ) continue;
      // Tab stops once in a group of radios, on the chosen one; arrows move inside.
      const radio = control as HTMLInputElement;
      if (
        radio.type === "radio" && !radio.checked &&
        document.querySelector(
          `input[type=radio][name="${radio.name}"]:checked`,
        )
      ) continue;
      control.dataset.tabCheck = String(n++);
    }
    (document.activeElement as HTMLElement | null)?.blur?.();
  });
  const unringed = new Set<string>();
  const reached = new Set<string>();
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press("Tab");
    const seen: Focused | null = await page.evaluate(() => {
      const control = document.activeElement as HTMLElement | null;
      if (!control || control === document.body) return null;
      const style = getComputedStyle(control);
      const clear = (color: string) =>
        color === "transparent" || /rgba\([^)]*,\s*0\)$/.test(color);
      // A ring is a shadow of some colour that spreads or blurs, or an outline.
      const shadow = style.boxShadow !== "none" &&
        style.boxShadow.split(/,(?![^(]*\))/).some((one) => {
          const color = one.match(/rgba?\([^)]*\)/)?.[0] ?? "";
          const [, , blur = 0, spread = 0] = one.replace(color, "").trim()
            .split(/\s+/).map(parseFloat);
          return !clear(color) && (blur > 0 || spread > 0);
        });
      const outline = style.outlineStyle !== "none" &&
        parseFloat(style.outlineWidth) > 0 && !clear(style.outlineColor);
      return {
        id: control.dataset.tabCheck ?? null,
        ring: shadow || outline,
        name: `${control.tagName.toLowerCase()} "${
          control.getAttribute("aria-label") ?? control.textContent?.trim()
        }"`,
      };
    });
    if (!seen || seen.id === null) continue;
    if (reached.has(seen.id)) break;
    reached.add(seen.id);
    if (!seen.ring) unringed.add(seen.name);
  }
  const unreached = await page.evaluate(
    (reached) =>
      [...document.querySelectorAll<HTMLElement>("[data-tab-check]")]
        .filter((control) => !reached.includes(control.dataset.tabCheck!))
        .map((control) =>
          `${control.tagName.toLowerCase()} "${
            control.getAttribute("aria-label") ?? control.textContent?.trim()
          }"`
        ),
    [...reached],
  );
  return { unreached, unringed: [...unringed] };
}
