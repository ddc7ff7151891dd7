/**
 * The answer a notification's Accept asked for: the service worker
 * (`static/sw.js`) leaves it in Cache Storage, naming the caller and when
 * Accept was pressed, and opens the calling page, which answers that ring
 * once it arrives. Taken once; nothing a link or another site writes can
 * make a page answer.
 * @module
 */

const INTENTS = "nexus-call-intents";
const ANSWER = "/answer-intent";
/** How long after Accept the page may still answer: it opens and joins first. */
const INTENT_MS = 60_000;

/** Whether Accept was pressed, a moment ago, for a ring from `caller`: taken, so it answers once. */
export async function answerIntended(caller: string): Promise<boolean> {
  if (!("caches" in globalThis)) return false;
  const intents = await caches.open(INTENTS);
  const kept = await intents.match(ANSWER);
  if (!kept) return false;
  await intents.delete(ANSWER);
  const intent = await kept.json() as { from: string; at: number };
  return intent.from === caller && Date.now() - intent.at < INTENT_MS;
}
