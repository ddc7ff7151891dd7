/** A `localStorage` stand-in over `kept`, which a test may read. */
export function memoryStore(kept = new Map<string, string>()) {
  return {
    getItem: (key: string) => kept.get(key) ?? null,
    setItem: (key: string, value: string) => void kept.set(key, value),
  };
}
