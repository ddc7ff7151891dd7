/**
 * The page's theme: the one the person chose with **Dark theme** on the
 * calling page, remembered in this browser, or else their system's; every
 * page of the app shows it.
 * @module
 */

const THEME_KEY = "nexus-call.theme";

/** Whether the dark theme is the one to show. */
export function savedDark(): boolean {
  const saved = localStorage.getItem(THEME_KEY);
  return saved === null
    ? matchMedia("(prefers-color-scheme: dark)").matches
    : saved === "dark";
}

/** Remembers the person's choice in this browser. */
export function saveDark(dark: boolean): void {
  localStorage.setItem(THEME_KEY, dark ? "dark" : "light");
}

/** Shows the theme (the `dark` class on the root, which the styles follow). */
export function showTheme(dark: boolean): void {
  document.documentElement.classList.toggle("dark", dark);
}
