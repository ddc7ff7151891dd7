/**
 * Who the page shows online, from the server's presence messages: the full
 * list when the page signs in, then one change at a time. Pure functions,
 * so the page's list is what the messages say, whatever their order.
 * @module
 */
import type { ServerMessage } from "../../wire/protocol.ts";

/** Who else is online, sorted, and who of them is in a call. */
export interface OnlinePeople {
  online: string[];
  inCall: string[];
}

/** `people` after a `presence:list` or `presence:update`, for the page signed in as `self`. */
export function seenOnline(
  people: OnlinePeople,
  message: Extract<
    ServerMessage,
    { type: "presence:list" | "presence:update" }
  >,
  self: string | null,
): OnlinePeople {
  if (message.type === "presence:list") {
    return {
      online: message.payload.users.filter((u) => u !== self).sort(),
      inCall: message.payload.inCall ?? [],
    };
  }
  const { userId, online, inCall } = message.payload;
  const busy = people.inCall.filter((u) => u !== userId);
  const others = people.online.filter((u) => u !== userId);
  return {
    online: online && userId !== self ? [...others, userId].sort() : others,
    inCall: online && inCall ? [...busy, userId] : busy,
  };
}
