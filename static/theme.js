// The chosen (or system) theme on a page with no island (a refused call link's),
// as lib/page/theme.ts shows it on the others.
try {
  const saved = localStorage.getItem("nexus-call.theme");
  if (
    saved === null
      ? matchMedia("(prefers-color-scheme: dark)").matches
      : saved === "dark"
  ) document.documentElement.classList.add("dark");
} catch { /* storage refused: the island decides */ }
