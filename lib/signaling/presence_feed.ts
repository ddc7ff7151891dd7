/**
 * Presence as it reaches the sessions of one instance. Changes are gathered
 * for a short window and sent net: a user who left and came back within it
 * was never away for anyone, so a page reconnecting in a loop costs next to
 * nothing. A window with many changes (a mass reconnect after a restart) goes
 * out as one `presence:list` per session instead of one `presence:update` per
 * change per session, so that a mass reconnect costs each session a frame a
 * window, not a frame a join.
 *
 * A session that joins gets the list at the end of its window, fetched then,
 * and hears every change of the next window unfiltered: what it was told may
 * differ from what the others heard last.
 *
 * A session whose socket still holds what it was sent before (a page that
 * reads slower than presence changes: a phone on a bad network, a mass
 * reconnect) is sent nothing more until it has drained, and then the list as
 * it is by then, once: each frame queued for it would be held in the
 * server's memory, and the list supersedes them all.
 *
 * A client that joined with `parts=1` (the page) gets a long list in parts
 * (`presence_lists.ts`).
 *
 * Where each session is shown only some users (accounts mode: contacts and
 * blocks), the feed keeps what each session was told and sends each the
 * difference: a change of what a session may see (a block, an unblock) goes
 * out at the end of the window as the same `presence:update`s a user going
 * off- or online would make, so a blocked person cannot tell a block from
 * "offline", and a change the instance announced while the session was not
 * shown it still reaches it once it is.
 * @module
 */
import type { PresenceUpdate, ServerMessage } from "../wire/protocol.ts";
import { ListSender, ListTexts } from "./presence_lists.ts";
import { sendText, type Session } from "./session.ts";
import type { Timers } from "./timers.ts";

/** What the feed needs of its hub. */
export interface PresenceSource {
  /** The sessions connected here now. */
  sessions(): Iterable<Session>;
  /** Who is online anywhere, and which of them are in a call. */
  snapshot(): Promise<{ users: string[]; inCall: string[] }>;
  /** Taking the snapshot failed: `waiting` heard nothing. */
  failed(error: unknown, waiting: Set<Session>): void;
  /**
   * Whether `session` is shown `userId`'s presence; everyone is shown
   * everyone without it.
   */
  shows?(session: Session, userId: string): boolean;
}

/** How long changes are gathered before they are sent, by default. */
export const DEFAULT_PRESENCE_WINDOW_MS = 250;

/** More net changes than this in one window may go out as the whole list... */
export const PRESENCE_CHANGES_PER_WINDOW = 16;

/**
 * ...when at least one in this many of the users known online changed. A
 * frame's own cost (a system call, the runtime's work) is that of several
 * kilobytes, so one list of U users is cheaper than U/16 updates well before
 * it is fewer bytes; at this ratio it is at most about 3.5 times their bytes.
 */
const USERS_PER_CHANGE_FOR_A_LIST = 16;

/** What a session was told of a user, as a text to compare: `online:inCall`. */
function heard(change: PresenceUpdate): string {
  return `${change.online}:${change.inCall ?? ""}`;
}

function updateText(change: PresenceUpdate): string {
  const message: ServerMessage = { type: "presence:update", payload: change };
  return JSON.stringify(message);
}

/** Gathers presence changes and joins, and sends them a window at a time. */
export class PresenceFeed {
  /** The latest change of each user in this window. */
  #pending = new Map<string, PresenceUpdate>();
  /** What the settled sessions here last heard of each user they know online. */
  #announced = new Map<string, string>();
  /** Joined in this window: they get the list at its end. */
  #newcomers = new Set<Session>();
  /** Got the list at the end of the last window: they hear every change of this one. */
  #settling = new Set<Session>();
  /** Sessions whose view changed: they hear the difference at the end of the window. */
  #reconciling = new Set<Session>();
  /** Sent nothing since their socket was found holding unsent data: the list once it drains. */
  #behind = new Set<Session>();
  /** With `shows`: what each session was told of each user it knows online. */
  #told = new WeakMap<Session, Map<string, string>>();
  #timer: unknown = null;
  #lists: ListSender;

  /** `windowMs` 0 sends every change and list at once, as it comes. */
  constructor(
    private readonly source: PresenceSource,
    private readonly timers: Timers,
    private readonly windowMs: number = DEFAULT_PRESENCE_WINDOW_MS,
  ) {
    this.#lists = new ListSender(timers);
  }

  /** A user came online, went offline, or went into or out of a call. */
  change(change: PresenceUpdate): void {
    if (this.windowMs === 0) {
      return this.#sendChanges([change], [change], new Set(), new Set());
    }
    this.#pending.set(change.userId, change);
    this.#schedule();
  }

  /** A session joined: it gets the list, now or at the end of the window. */
  joined(session: Session): Promise<void> {
    if (this.windowMs === 0) return this.#sendLists(new Set([session]));
    this.#newcomers.add(session);
    this.#schedule();
    return Promise.resolve();
  }

  /**
   * What `to` are shown changed (with `shows`): each hears the difference
   * from what it was told, as updates, at the end of the window.
   */
  reconcile(to: Iterable<Session>): Promise<void> {
    for (const session of to) this.#reconciling.add(session);
    if (this.windowMs === 0) return this.#flush();
    this.#schedule();
    return Promise.resolve();
  }

  /** A session left: nothing waits for it any more. */
  left(session: Session): void {
    this.#lists.forget(session);
    this.#behind.delete(session);
    this.#newcomers.delete(session);
    this.#settling.delete(session);
    this.#reconciling.delete(session);
  }

  /** Drops a window that waits, e.g. when the hub stops. */
  stop(): void {
    if (this.#timer !== null) this.timers.clear(this.#timer);
    this.#timer = null;
    this.#lists.stop();
    this.#pending.clear();
    this.#behind.clear();
    this.#newcomers.clear();
    this.#settling.clear();
    this.#reconciling.clear();
  }

  /**
   * Whether `session` still holds unsent data: it is sent nothing now, and
   * the list once it drains. Without windows there is no later one to send
   * it in, so everyone is sent everything.
   */
  #holds(session: Session): boolean {
    if (this.windowMs === 0 || !session.socket.bufferedAmount) return false;
    this.#behind.add(session);
    return true;
  }

  #schedule(): void {
    this.#timer ??= this.timers.set(() => {
      this.#timer = null;
      return this.#flush();
    }, this.windowMs);
  }

  async #flush(): Promise<void> {
    const latest = [...this.#pending.values()];
    this.#pending.clear();
    const net = latest.filter((change) => {
      if (this.#announced.get(change.userId) === heard(change)) return false;
      if (change.online) this.#announced.set(change.userId, heard(change));
      else this.#announced.delete(change.userId);
      return true;
    });
    const newcomers = this.#newcomers;
    for (const session of this.#behind) {
      if (session.socket.bufferedAmount) continue;
      this.#behind.delete(session);
      newcomers.add(session);
    }
    // Those still behind are looked at again next window, changes or not.
    if (this.#behind.size > 0) this.#schedule();
    const settling = this.#settling;
    const reconciling = this.#reconciling;
    this.#newcomers = new Set();
    this.#settling = newcomers;
    this.#reconciling = new Set();
    if (
      net.length > PRESENCE_CHANGES_PER_WINDOW &&
      net.length * USERS_PER_CHANGE_FOR_A_LIST >= this.#announced.size
    ) {
      return this.#sendLists(new Set(this.source.sessions()));
    }
    if (newcomers.size > 0) await this.#sendLists(newcomers);
    for (const session of newcomers) reconciling.delete(session);
    if (reconciling.size > 0) await this.#reconcile(reconciling);
    this.#sendChanges(latest, net, settling, newcomers);
  }

  /** Who is online now, or null when the snapshot failed (`to` are told nothing). */
  async #snapshot(
    to: Set<Session>,
  ): Promise<{ users: string[]; inCall: string[] } | null> {
    try {
      return await this.source.snapshot();
    } catch (error) {
      this.source.failed(error, to);
      return null;
    }
  }

  /** Sends each of `to` the updates between what it was told and what it is shown now. */
  async #reconcile(to: Set<Session>): Promise<void> {
    const list = await this.#snapshot(to);
    const shows = this.source.shows;
    if (!list || !shows) return;
    const inCall = new Set(list.inCall);
    for (const session of to) {
      if (!this.#told.has(session)) continue;
      const now = new Map<string, PresenceUpdate>();
      for (const userId of list.users) {
        if (userId === session.userId || !shows(session, userId)) continue;
        now.set(
          userId,
          inCall.has(userId)
            ? { userId, online: true, inCall: true }
            : { userId, online: true },
        );
      }
      const told = this.#told.get(session)!;
      for (const userId of told.keys()) {
        if (!now.has(userId)) this.#tell(session, { userId, online: false });
      }
      for (const change of now.values()) this.#tell(session, change);
    }
  }

  /** Tells `session` of `change` unless it was told so last (with `shows`). */
  #tell(session: Session, change: PresenceUpdate, text?: string): void {
    const told = this.#told.get(session);
    if (told) {
      const was = told.get(change.userId);
      if (change.online ? was === heard(change) : was === undefined) return;
      if (change.online) told.set(change.userId, heard(change));
      else told.delete(change.userId);
    }
    sendText(session.socket, text ?? updateText(change));
  }

  /** Sends the list to `to`, as it is now. */
  async #sendLists(to: Set<Session>): Promise<void> {
    const list = await this.#snapshot(to);
    if (!list) return;
    const shows = this.source.shows;
    if (!shows) {
      const texts = new ListTexts(list);
      for (const session of to) {
        if (!this.#holds(session)) this.#lists.send(session, texts);
      }
      return;
    }
    const inCall = new Set(list.inCall);
    for (const session of to) {
      if (this.#holds(session)) continue;
      const shown = (userId: string) => shows(session, userId);
      const users = list.users.filter(shown);
      this.#told.set(
        session,
        new Map(
          users.map((
            userId,
          ) => [userId, inCall.has(userId) ? "true:true" : "true:"]),
        ),
      );
      this.#lists.send(
        session,
        new ListTexts({ users, inCall: list.inCall.filter(shown) }),
      );
    }
  }

  /**
   * `net` to the settled sessions, `latest` to those `settling`, nothing to
   * `skip`; with `shows`, `latest` to each session where it differs from
   * what that session was told.
   */
  #sendChanges(
    latest: PresenceUpdate[],
    net: PresenceUpdate[],
    settling: Set<Session>,
    skip: Set<Session>,
  ): void {
    if (latest.length === 0) return;
    const texts = new Map(latest.map((change) => [change, updateText(change)]));
    const shows = this.source.shows;
    for (const session of this.source.sessions()) {
      if (
        skip.has(session) || this.#behind.has(session) || this.#holds(session)
      ) {
        continue;
      }
      if (shows) {
        for (const change of latest) {
          if (
            change.userId !== session.userId && shows(session, change.userId)
          ) {
            this.#tell(session, change, texts.get(change));
          }
        }
        continue;
      }
      for (const change of settling.has(session) ? latest : net) {
        if (change.userId !== session.userId) {
          sendText(session.socket, texts.get(change)!);
        }
      }
    }
  }
}
