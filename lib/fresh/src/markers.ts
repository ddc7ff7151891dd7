/** The comments that mark where an island's server-rendered HTML begins and ends. */

/** The text of the comment that opens island `id` with props at `index`. */
export function openMarker(id: string, index: number, key: string): string {
  return `frsh-${id}:${index}:${key}`;
}

/** The text of the comment that closes what `openMarker` opened. */
export function closeMarker(id: string, index: number, key: string): string {
  return `/frsh-${id}:${index}:${key}`;
}

/** What an opening marker says, or `undefined` for any other comment. */
export function parseMarker(
  text: string,
): { id: string; index: number; key: string } | undefined {
  const match = text.match(/^frsh-([A-Za-z0-9_$-]+):(\d+):(.*)$/);
  if (!match) return undefined;
  return { id: match[1], index: Number(match[2]), key: match[3] };
}
