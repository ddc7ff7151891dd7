/**
 * A module loaded the first time it is `wanted`, for a part of a page most
 * visits never show (it is then a chunk of its own, not in the page's
 * first download). A Preact hook.
 * @module
 */
import { useEffect, useState } from "preact/hooks";

/** The module `load` gives once it was first wanted and has arrived; null until then. */
export function useLoaded<T>(
  load: () => Promise<T>,
  wanted: boolean,
): T | null {
  const [loaded, setLoaded] = useState<T | null>(null);
  useEffect(() => {
    if (wanted && !loaded) void load().then(setLoaded);
  }, [wanted]);
  return loaded;
}
