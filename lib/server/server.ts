/**
 * The parts of this server process, made once from its settings: the logger,
 * the metrics and the signaling endpoint with its hub.
 * @module
 */
import { type ServerConfig, serverConfig } from "../config/config.ts";
import { createLogger, type Logger } from "../log.ts";
import { ConnectionLimits } from "../signaling/connection_limits.ts";
import { SignalingHub } from "../signaling/hub/hub.ts";
import {
  combineObservers,
  createMetrics,
  type HubMetrics,
  logObserver,
} from "../signaling/observers.ts";
import { TURN_TTL_S, turnCredentials } from "../signaling/turn.ts";
import type { SignalingEngine, SignOut } from "../signaling/engines/engine.ts";
import { MemoryEngine } from "../signaling/engines/memory_engine.ts";
import { RedisEngine } from "../signaling/engines/redis_engine.ts";
import { DeployEngine } from "../signaling/engines/deploy_engine.ts";
import { DEFAULT_LIMITS } from "../signaling/rate_limit.ts";
import type { SignalingEndpoint } from "./handshake.ts";
import { Accounts } from "../accounts/accounts.ts";
import { accountsHandler, allRoutes } from "../accounts/http.ts";
import { OpenSockets } from "../accounts/open_sockets.ts";
import { SingleSignOn } from "../accounts/single_sign_on.ts";
import { openAccountStore } from "../accounts/open_store.ts";
import { CLOSE_CODES, isGuestId } from "../wire/protocol.ts";
import { LINK_REFUSALS } from "../wire/link_api.ts";
import { CallLinks } from "../links/call_links.ts";
import { linkRoutes } from "../links/link_http.ts";
import { PushSubscriptions } from "../push/push_subscriptions.ts";
import { PushRinging } from "../push/push_ringing.ts";
import { pushMetrics } from "../push/push_metrics.ts";
import { pushRoutes } from "../push/push_http.ts";

/** Accounts mode's parts. */
export interface AccountsParts {
  accounts: Accounts;
  /** Answers `/auth/<action>`. */
  handle(req: Request, action: string, ip: string): Promise<Response>;
}

/** The server's parts. */
export interface ServerParts {
  config: ServerConfig;
  log: Logger;
  metrics: HubMetrics;
  signaling: SignalingEndpoint;
  /** Accounts mode, or null when people sign in otherwise. */
  accounts: AccountsParts | null;
  /** Accounts mode's call links, or null when they are off. */
  links: CallLinks | null;
  /** Why the server does not take new sessions now, or `null` when it does. */
  notReady(): string | null;
  /** Stops taking new sessions, e.g. while shutting down. */
  drain(): void;
}

/** The engine the settings name; `onError` hears what fails in its background work. */
function createEngine(
  config: ServerConfig,
  onError: (operation: string, error: unknown) => void,
): SignalingEngine {
  const { engine, deviceTtlMs } = config;
  switch (engine.kind) {
    case "memory":
      return new MemoryEngine();
    case "redis":
      return new RedisEngine({ url: engine.url, deviceTtlMs, onError });
    case "deploy":
      return new DeployEngine({ deviceTtlMs, onError });
  }
}

/** How long a guest whose one-call link is used up stays connected after its call, to hear the end. */
const GUEST_LINGER_MS = 1_000;

let parts: ServerParts | undefined;

function assemble(config: ServerConfig): ServerParts {
  const log = createLogger(config.logLevel);
  const metrics = createMetrics(() => signaling.hub);
  const turn = config.turn;
  const iceServersFor = turn
    ? (userId: string) => [
      ...config.iceServers,
      turnCredentials(turn.urls, turn.secret, userId, Date.now()),
    ]
    : () => config.iceServers;
  const observer = combineObservers(logObserver(log), metrics.observer);
  const engine = createEngine(
    config,
    (operation, error) => observer.engineFailed?.(operation, error),
  );
  const sockets = new OpenSockets();
  const pushConfig = config.accounts?.push;
  // Accounts mode with push: used only once the accounts' store is open.
  const push = pushConfig && new PushSubscriptions(
    () => accounts!.store.push,
    pushConfig,
  );
  const closedBrowsers = push && new PushRinging({
    store: () => accounts!.store.push,
    sender: () => push.sender(),
    report: pushMetrics(metrics.registry, log),
  });
  const linksConfig = config.accounts?.callLinks;
  // Accounts mode with call links: used only once the accounts' store is open.
  const links = linksConfig && new CallLinks({
    store: () => accounts!.store.links,
    maxLinks: linksConfig.maxLinks,
    dismiss: (guestId, why) => {
      // A one-call link is used up as its call ends: the guest hears the end first.
      const delay = why === "used" ? GUEST_LINGER_MS : 0;
      setTimeout(() => {
        dismissGuest(guestId, why);
        hub.signOutElsewhere({ userId: guestId, session: null });
      }, delay);
    },
  });
  /** Cuts off a link's guest connected here: its call hung up, its sockets closed with why. */
  const dismissGuest = (guestId: string, why: keyof typeof LINK_REFUSALS) =>
    void hub.hangUpFor(guestId, "link-revoked").catch((error) =>
      observer.engineFailed?.("link.dismiss", error)
    ).finally(() =>
      sockets.close(guestId, null, CLOSE_CODES.link, LINK_REFUSALS[why])
    );
  const closeSignedOut = ({ userId, session }: SignOut) => {
    if (!links || !isGuestId(userId)) {
      return sockets.close(userId, session, CLOSE_CODES.policy, "signed out");
    }
    // Another instance revoked or used up the guest's link: the store says which.
    void links.refusalOf(userId).then(
      (why) => dismissGuest(userId, why ?? "revoked"),
      (error) => observer.engineFailed?.("link.dismiss", error),
    );
  };
  const hub = new SignalingHub({
    signedOut: closeSignedOut,
    engine,
    ringTimeoutMs: config.ringTimeoutMs,
    resumeGraceMs: config.resumeGraceMs,
    heartbeatTimeoutMs: config.idleTimeoutS * 1000,
    iceTransportPolicy: config.iceTransportPolicy,
    presence: config.presence,
    limits: {
      ...DEFAULT_LIMITS,
      messagesPerSecond: config.messagesPerSecond,
      messageBurst: config.messageBurst,
    },
    // Fresh credentials at half their lifetime, so a client never holds expired ones.
    iceRefresh: turn
      ? {
        forUser: (userId: string) => Promise.resolve(iceServersFor(userId)),
        everyMs: (TURN_TTL_S * 1000) / 2,
      }
      : undefined,
    observer,
    // Accounts mode: asked only of sessions, which exist once the accounts started.
    // A guest may ring its link's owner alone (the link is the permission),
    // sees nobody's presence, and nobody may ring a guest.
    reachability: config.accounts
      ? {
        mayCall: (caller, callee) =>
          isGuestId(caller)
            ? links?.mayRing(caller, callee) ?? Promise.resolve(false)
            : isGuestId(callee)
            ? Promise.resolve(false)
            : accounts!.contacts.mayCall(caller, callee),
        presenceSeenBy: (viewer) =>
          isGuestId(viewer)
            ? Promise.resolve(new Set<string>())
            : accounts!.contacts.presenceSeenBy(viewer),
      }
      : undefined,
    history: config.accounts
      ? {
        record: async (call) => {
          const missedBy = await accounts!.history.record(call);
          if (links && isGuestId(call.caller)) {
            await links.callEnded(call.caller).catch((error) =>
              observer.engineFailed?.("link.used", error)
            );
          }
          return missedBy;
        },
        missedCount: (userId) => accounts!.history.missedCount(userId),
      }
      : undefined,
    closedBrowsers: closedBrowsers ?? undefined,
  });
  const accountsConfig = config.accounts;
  const accounts = accountsConfig && new Accounts({
    openStore: () => openAccountStore(accountsConfig.store),
    sessionDays: accountsConfig.sessionDays,
    historyDays: accountsConfig.historyDays,
    invitesBy: accountsConfig.invitesBy,
    singleSignOn: accountsConfig.singleSignOn &&
      new SingleSignOn(accountsConfig.singleSignOn),
    revoked: (userId, session) => {
      closeSignedOut({ userId, session });
      hub.signOutElsewhere({ userId, session });
      void push?.signedOut(userId, session).catch((error) =>
        observer.engineFailed?.("push.signed-out", error)
      );
    },
    audienceChanged: (userIds) =>
      void hub.audienceChanged(userIds).catch((error) =>
        observer.engineFailed?.("presence.seen", error)
      ),
  });
  const signaling: SignalingEndpoint = {
    hub,
    accounts: accounts && { accounts, sockets },
    links: links ?? null,
    jwtSecret: config.jwtSecret,
    allowedOrigins: config.allowedOrigins,
    trustHostNames: config.trustHostNames,
    idleTimeoutS: config.idleTimeoutS,
    limits: new ConnectionLimits(
      config.maxConnections,
      config.maxConnectionsPerIp,
    ),
    iceServersFor,
    refused(status, reason, ip) {
      metrics.handshakeRefused(status);
      log.info("handshake.refused", { status, reason });
      log.debug("handshake.refused.from", { status, ip });
    },
  };
  let draining = false;
  return {
    config,
    log,
    metrics,
    signaling,
    accounts: accounts && {
      accounts,
      handle: accountsHandler({
        accounts,
        missedCallsChanged: (userId) => hub.missedCallsChanged(userId),
        more: allRoutes(
          ...push
            ? [pushRoutes({
              subscriptions: push,
              declineFromAway: (userId, callId) =>
                hub.declineFromAway(userId, callId),
            })]
            : [],
          ...links ? [linkRoutes(links)] : [],
        ),
        allowedOrigins: config.allowedOrigins,
        trustHostNames: config.trustHostNames,
        log,
      }),
    },
    links: links ?? null,
    notReady: () =>
      draining
        ? "shutting down"
        : accounts && !accounts.started
        ? "the accounts store is opening"
        : engine.unavailable(),
    drain: () => {
      draining = true;
    },
  };
}

/** This process's parts, assembled on first use. */
export function server(): ServerParts {
  return parts ??= assemble(serverConfig());
}
