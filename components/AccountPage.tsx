import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { savedDark, showTheme } from "../lib/page/theme.ts";

/** The frame of an account's pages (settings, contacts, history): a title and the way back to calls. */
export function AccountPage(
  props: { title: string; children: ComponentChildren },
) {
  useEffect(() => showTheme(savedDark()), []);
  return (
    <main class="max-w-2xl mx-auto p-4 flex flex-col gap-4 min-h-screen dark:bg-gray-900 dark:text-gray-100">
      <header class="flex items-center justify-between">
        <h1 class="text-2xl font-bold">{props.title}</h1>
        <a class="underline" href="/">Back to calls</a>
      </header>
      {props.children}
    </main>
  );
}
