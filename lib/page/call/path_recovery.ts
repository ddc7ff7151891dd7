/**
 * How a call's media path is kept, for the peer link (`peer_link.ts`): the
 * caller (the impolite side) restarts ICE after 2 s of `disconnected` or at
 * once on `failed`; a path not back within 30 s gives up. A path that never
 * connected gives up on `failed` or after 15 s. Media that stops on a path
 * the browser still calls connected counts as broken too (`media_watch.ts`),
 * and the call's quality is sampled while it is up. What is done about a
 * break (restart, renew, give up) is the link's; when, and whether the path
 * is back, is decided here.
 * @module
 */
import { type CallQuality, sampleQuality } from "./quality.ts";
import { MediaWatch, packetsReceived } from "./media_watch.ts";
import { NamedTimers, type TimerDeps } from "./named_timers.ts";

/** How long the media path may stay `disconnected` before the caller restarts ICE. */
export const ICE_RESTART_AFTER_MS = 2_000;
/** How long a broken media path may take to come back before the call ends. */
export const ICE_RECOVERY_MS = 30_000;
/**
 * How long a new call may take to connect at all. A path that never worked
 * is not restarted: it ends, with the likely cause, instead of leaving the
 * person at "Connecting…".
 */
export const CONNECT_TIMEOUT_MS = 15_000;
/**
 * How long an offer may wait for its answer before it is sent again: an
 * offer lost in a dead socket must not wait forever.
 */
export const ANSWER_TIMEOUT_MS = 2_500;
/**
 * How long an ICE restart on a connected call is given to find the new
 * path: its checks take a few seconds on a new network, and a stall noticed
 * meanwhile is the same outage, which a second restart would only set back.
 */
export const RESTART_SETTLE_MS = 5_000;

/** What recovery does through the link. */
export interface RecoveryActions {
  /** The path's state as the page shows it ("disconnected" while media stalls). */
  report(state: RTCPeerConnectionState): void;
  /** The path connected (again): what waited for it can go. */
  connected(): void;
  /** The caller's ICE restart on the same connection. */
  restartIce(): void;
  /** An offer still unanswered after `ANSWER_TIMEOUT_MS`: the same offer goes again. */
  resendOffer(): void;
  /** Media flows again after a gap: the peer's decoder waits for a keyframe. */
  keyframe(): void;
  /** No path could be made, or it did not come back in time. */
  giveUp(): void;
  quality(quality: CallQuality): void;
  /** The live peer connection, for its statistics. */
  peerConnection(): RTCPeerConnection;
}

type TimerName = "connect" | "restart" | "recovery" | "answer" | "settle";

/** The state and timers of one call's media path, across renewed connections. */
export class PathRecovery {
  #timers: NamedTimers<TimerName>;
  /** The path has been connected at least once. */
  #connected = false;
  /** The path's last reported state. */
  #state: RTCPeerConnectionState = "new";
  /** This device's network changed since the signaling connection was last ready. */
  #networkChanged = false;
  /** Watches for media that stops while the browser still says connected. */
  #watch: MediaWatch | null = null;
  #stopSampling: () => void = () => {};
  #closed = false;
  #deps: TimerDeps;
  #polite: boolean;
  #actions: RecoveryActions;

  /** `polite`: the callee, which never restarts ICE. */
  constructor(deps: TimerDeps, polite: boolean, actions: RecoveryActions) {
    this.#deps = deps;
    this.#polite = polite;
    this.#actions = actions;
    this.#timers = new NamedTimers(deps);
  }

  /** Whether the path has ever connected. */
  get everConnected(): boolean {
    return this.#connected;
  }

  /** Whether the browser calls the path connected. */
  get isConnected(): boolean {
    return this.#state === "connected";
  }

  /** Whether media flows on a path the browser calls connected. */
  get flowing(): boolean {
    return this.#state === "connected" && !this.#watch?.stalled;
  }

  /** Whether a restart is under way (`settling`). */
  get settling(): boolean {
    return this.#timers.has("settle");
  }

  /** A path must be up within `CONNECT_TIMEOUT_MS`. */
  startConnecting(): void {
    this.#timers.set(
      "connect",
      () => this.#actions.giveUp(),
      CONNECT_TIMEOUT_MS,
    );
  }

  /** The path broke: it must be back within `ICE_RECOVERY_MS` (from the first break). */
  recovering(): void {
    if (!this.#timers.has("recovery")) {
      this.#timers.set(
        "recovery",
        () => this.#actions.giveUp(),
        ICE_RECOVERY_MS,
      );
    }
  }

  /** A restart is under way: no other for `RESTART_SETTLE_MS`, unless its offer goes unanswered. */
  settle(): void {
    this.#timers.set("settle", () => {}, RESTART_SETTLE_MS);
  }

  /**
   * This side's offer must be answered within `ANSWER_TIMEOUT_MS`, or it is
   * sent again. Not a new one: the first offer's answer may only be late,
   * and an answer that comes after a new offer would be taken as that one's,
   * leaving the two sides with different ICE credentials.
   */
  awaitAnswer(): void {
    this.#timers.set("answer", () => {
      if (!this.#closed) this.#actions.resendOffer();
    }, ANSWER_TIMEOUT_MS);
  }

  /**
   * The connection is being replaced (`renewal.ts`): the old one's watch
   * and waits end, and the path counts as broken until the new one
   * connects; the link reports it so once the new connection is made.
   */
  renewing(): void {
    this.#stopWatching();
    this.#timers.clear("answer");
    this.#timers.clear("restart");
    this.settle();
    this.recovering();
    this.#state = "disconnected";
  }

  /** This device's network changed: the path the call was on is gone with it. */
  networkChanged(): void {
    if (this.#connected) this.#networkChanged = true;
  }

  /**
   * The signaling connection came back after a drop: what was sent
   * meanwhile may be lost, so the caller offers again at once if its offer
   * is still unanswered or the path is not up. After a change of this
   * device's network either side renews the connection at once (`canRenew`:
   * with a lasting certificate, else the verification code would change) or
   * restarts ICE; the peer may not yet know its path is dead, and waiting
   * for it would cost the seconds its stall watch takes (perfect
   * negotiation settles both offering at once). What to do, if anything.
   */
  afterResume(
    canRenew: boolean,
    awaitingAnswer: boolean,
  ): "renew" | "restart" | "reoffer" | null {
    const networkChanged = this.#networkChanged;
    this.#networkChanged = false;
    if (networkChanged && canRenew) return "renew";
    if (this.#polite) {
      if (!networkChanged) return null;
      this.settle();
      return "restart";
    }
    if (networkChanged || awaitingAnswer) return "reoffer";
    if (this.settling) return null;
    return this.flowing ? null : "reoffer";
  }

  /** The connection's state changed; `renewing`: it is a renewed one finding its path. */
  changed(state: RTCPeerConnectionState, renewing: boolean): void {
    // A renewed connection starting up is the call still reconnecting.
    if (renewing && (state === "new" || state === "connecting")) return;
    // The browser gave up on a path that carried media a moment ago, before this page
    // saw it stall: it knows this device's network went (Firefox says so at once, and
    // has no `online` event to tell it by).
    if (
      (state === "disconnected" || state === "failed") &&
      this.#state === "connected" && this.#watch && !this.#watch.stalled
    ) {
      this.#networkChanged = true;
    }
    this.#state = state;
    this.#actions.report(state);
    if (state === "connected") return this.#connectedNow(renewing);
    if (state !== "disconnected" && state !== "failed") return;
    // A path that never worked has nothing to restart: it failed.
    if (!this.#connected) {
      if (state === "failed") this.#actions.giveUp();
      return;
    }
    this.recovering();
    if (this.#polite) return;
    if (state === "failed") {
      this.#actions.restartIce();
    } else if (!this.#timers.has("restart")) {
      this.#timers.set("restart", () => {
        if (this.#state === "disconnected") this.#actions.restartIce();
      }, ICE_RESTART_AFTER_MS);
    }
  }

  /** Stops every timer and watch; nothing more is reported. */
  close(): void {
    this.#closed = true;
    this.#stopWatching();
    this.#timers.clearAll();
  }

  #connectedNow(renewed: boolean): void {
    for (const name of ["connect", "restart", "recovery"] as const) {
      this.#timers.clear(name);
    }
    // A renewal that connected is over: a new break may renew again at once.
    if (renewed) this.#timers.clear("settle");
    this.#actions.connected();
    this.#connected = true;
    if (this.#watch) return;
    this.#stopSampling = sampleQuality(
      this.#deps,
      () => this.#actions.peerConnection().getStats(),
      this.#actions.quality,
    );
    this.#watch = new MediaWatch(
      this.#deps,
      () => packetsReceived(this.#actions.peerConnection()),
      { stalled: () => this.#stalled(), flowing: () => this.#flowing() },
    );
  }

  /**
   * Media stopped on a path the browser still calls connected: the page
   * says it is reconnecting now rather than after the browser's own 5 to
   * 6 s, which renews the signaling socket; once it is back (the link's
   * `resumed`) the caller offers again with an ICE restart, over the socket
   * that works.
   */
  #stalled(): void {
    if (this.#closed || this.#state !== "connected") return;
    this.#actions.report("disconnected");
    this.recovering();
  }

  /**
   * Media arrives again after a stall: the path is back both ways, and the
   * peer's video decoder waits for a keyframe.
   */
  #flowing(): void {
    if (this.#closed) return;
    this.#timers.clear("settle");
    this.#actions.keyframe();
    if (this.#state !== "connected") return;
    this.#timers.clear("recovery");
    this.#actions.report("connected");
  }

  /** Stops watching the connection's media and sampling its quality; the next connect starts both again. */
  #stopWatching(): void {
    this.#watch?.stop();
    this.#watch = null;
    this.#stopSampling();
    this.#stopSampling = () => {};
  }
}
