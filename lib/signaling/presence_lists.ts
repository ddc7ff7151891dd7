/**
 * How a `presence:list` reaches a session: whole, or, to a client that
 * joined with `parts=1` (the page), in parts of `PRESENCE_LIST_PART_USERS`
 * users, one part a turn of the event loop. The runtime keeps, for as long
 * as a socket lives, room for the most that was ever queued on it at once:
 * a list of 2,000 users sent whole costs each session 24 KB for good, sent
 * a part a turn about 2 KB (`bench/ws_frame_memory.ts`).
 * @module
 */
import type { PresenceListPayload, ServerMessage } from "../wire/protocol.ts";
import { sendText, type Session } from "./session.ts";
import type { Timers } from "./timers.ts";

/** How many users a part of a `presence:list` names, to a client that takes it in parts. */
export const PRESENCE_LIST_PART_USERS = 100;

function listText(list: PresenceListPayload): string {
  const message: ServerMessage = { type: "presence:list", payload: list };
  return JSON.stringify(message);
}

/** One list as it goes out: whole, and in parts, each made once, when first needed. */
export class ListTexts {
  #whole: string[] | null = null;
  #parts: string[] | null = null;

  constructor(private readonly list: { users: string[]; inCall: string[] }) {}

  /** The list in one text. */
  get whole(): string[] {
    return this.#whole ??= [listText(this.list)];
  }

  /** The list in parts of `PRESENCE_LIST_PART_USERS` users, each with those of them in a call. */
  get parts(): string[] {
    if (this.#parts) return this.#parts;
    const { users } = this.list;
    const size = PRESENCE_LIST_PART_USERS;
    if (users.length <= size) return this.#parts = this.whole;
    const busy = new Set(this.list.inCall);
    const parts = Math.ceil(users.length / size);
    return this.#parts = Array.from({ length: parts }, (_, part) => {
      const slice = users.slice(part * size, (part + 1) * size);
      const inCall = slice.filter((userId) => busy.has(userId));
      return listText({ users: slice, inCall, part, parts });
    });
  }
}

/** Sends lists to sessions, those in parts a part a turn. */
export class ListSender {
  /** Sessions part-way through a list: its parts, and the next to send. */
  #staged = new Map<Session, { parts: string[]; next: number }>();
  #timer: unknown = null;

  constructor(private readonly timers: Timers) {}

  /**
   * Sends `session` the list: whole, or its first part now and the others a
   * turn apart, so that the socket has sent one before the next is queued.
   * A list sent to it meanwhile starts over.
   */
  send(session: Session, list: ListTexts): void {
    const texts = session.listsInParts ? list.parts : list.whole;
    sendText(session.socket, texts[0]);
    if (texts.length === 1) {
      this.#staged.delete(session);
      return;
    }
    this.#staged.set(session, { parts: texts, next: 1 });
    this.#timer ??= this.timers.set(() => this.#sendNext(), 0);
  }

  /** `session` left: the rest of its list is not sent. */
  forget(session: Session): void {
    this.#staged.delete(session);
  }

  /** Sends no more parts, e.g. when the hub stops. */
  stop(): void {
    if (this.#timer !== null) this.timers.clear(this.#timer);
    this.#timer = null;
    this.#staged.clear();
  }

  #sendNext(): void {
    this.#timer = null;
    for (const [session, staged] of this.#staged) {
      sendText(session.socket, staged.parts[staged.next++]);
      if (staged.next === staged.parts.length) this.#staged.delete(session);
    }
    if (this.#staged.size > 0) {
      this.#timer = this.timers.set(() => this.#sendNext(), 0);
    }
  }
}
