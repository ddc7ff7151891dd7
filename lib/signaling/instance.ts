/** The signaling endpoint of this server process, made on first use from its settings. */
import { serverConfig } from "../config.ts";
import { ConnectionLimits } from "./connection_limits.ts";
import { SignalingHub } from "./hub.ts";
import { TURN_TTL_S, turnCredentials } from "./turn.ts";
import type { SignalingEndpoint } from "./websocket.ts";

let endpoint: SignalingEndpoint | undefined;

/** This process's signaling endpoint and hub. */
export function signalingEndpoint(): SignalingEndpoint {
  if (endpoint) return endpoint;
  const config = serverConfig();
  const turn = config.turn;
  const iceServersFor = turn
    ? async (userId: string) => [
      ...config.iceServers,
      await turnCredentials(turn.urls, turn.secret, userId, Date.now()),
    ]
    : () => Promise.resolve(config.iceServers);
  const hub = new SignalingHub({
    ringTimeoutMs: config.ringTimeoutMs,
    iceTransportPolicy: config.iceTransportPolicy,
    // Fresh credentials at half their lifetime, so a client never holds expired ones.
    iceRefresh: turn
      ? { forUser: iceServersFor, everyMs: (TURN_TTL_S * 1000) / 2 }
      : undefined,
  });
  return endpoint = {
    hub,
    jwtSecret: config.jwtSecret,
    allowedOrigins: config.allowedOrigins,
    limits: new ConnectionLimits(
      config.maxConnections,
      config.maxConnectionsPerIp,
    ),
    iceServersFor,
  };
}
