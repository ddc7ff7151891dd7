/**
 * Who the page shows online, from the server's presence messages: the full
 * list when the page signs in, then one change at a time. A long list comes
 * in parts (the page joins with `parts=1`): it is gathered, and the changes
 * that come meanwhile wait for it. Plain logic, so the page's list is what
 * the messages say, whatever their order.
 * @module
 */
import type {
  PresenceListPayload,
  ServerMessage,
} from "../../wire/protocol.ts";

/** Who else is online, sorted, and who of them is in a call. */
export interface OnlinePeople {
  online: string[];
  inCall: string[];
}

/** A presence message, as the server sends it. */
export type PresenceMessage = Extract<
  ServerMessage,
  { type: "presence:list" | "presence:update" }
>;

/** `people` after a whole `presence:list` or a `presence:update`, for the page signed in as `self`. */
export function seenOnline(
  people: OnlinePeople,
  message: PresenceMessage,
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

/** Presence as the page hears it: lists in parts gathered, changes held behind them. */
export class PresenceHearing {
  /** The parts of the list being gathered, in order. */
  #parts: PresenceListPayload[] = [];
  /** The changes that came while it was gathered. */
  #held: PresenceMessage[] = [];

  /** `people` after `message`; null while a list is still being gathered. */
  heard(
    people: OnlinePeople,
    message: PresenceMessage,
    self: string | null,
  ): OnlinePeople | null {
    const parts = this.#parts;
    if (message.type === "presence:update") {
      if (parts.length === 0) return seenOnline(people, message, self);
      this.#held.push(message);
      return null;
    }
    const { part = 0, parts: count = 1 } = message.payload;
    // A new list: one cut short (its socket died) is dropped. One socket
    // sends a list's parts in order.
    if (part === 0) parts.length = this.#held.length = 0;
    parts.push(message.payload);
    if (part < count - 1) return null;
    this.#parts = [];
    const whole: PresenceMessage = {
      type: "presence:list",
      payload: {
        users: parts.flatMap((each) => each.users),
        inCall: parts.flatMap((each) => each.inCall ?? []),
      },
    };
    return this.#held.splice(0).reduce(
      (seen, change) => seenOnline(seen, change, self),
      seenOnline(people, whole, self),
    );
  }
}
