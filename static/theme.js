// The chosen (or system) theme before the first paint; lib/page/theme.ts keeps it.
try {
  const saved = localStorage.getItem("nexus-call.theme");
  if (
    saved === null
      ? matchMedia("(prefers-color-scheme: dark)").matches
      : saved === "dark"
  ) document.documentElement.classList.add("dark");
} catch { /* storage refused: the island decides */ }
