/**
 * "Check my connection": from the person's own browser, with the server's
 * ICE configuration, which ways out of this network work. Each ICE server
 * URL is tried on a peer connection of its own, so that a relay candidate
 * says which of the relay's transports (UDP, TCP, TLS) gets through; a
 * server-reflexive candidate says UDP reaches the internet. Nothing is sent
 * to anyone: gathering candidates is all it takes.
 * @module
 */
import type { PeerConnectionFactory } from "./negotiation.ts";

/** How long the check waits for the slowest server (a blocked port never answers). */
export const CHECK_TIMEOUT_MS = 8_000;

/** What the check found. */
export interface NetworkReport {
  /** UDP reaches the internet: a server-reflexive candidate came back. */
  udp: boolean;
  /** The server hands out a relay at all. */
  relayConfigured: boolean;
  /** The relay's transports that got through. */
  relay: { udp: boolean; tcp: boolean; tls: boolean };
  /** The relay answered 401: the app's credentials are wrong. */
  relayRefused: boolean;
}

/** What the check needs from the browser. */
export interface NetworkCheckDeps {
  createPeerConnection: PeerConnectionFactory;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The relay transport a TURN URL names, or null for STUN. */
function relayTransport(url: string): "udp" | "tcp" | "tls" | null {
  if (url.startsWith("turns:")) return "tls";
  if (!url.startsWith("turn:")) return null;
  return /[?&]transport=tcp/.test(url) ? "tcp" : "udp";
}

/** Gathers candidates with one ICE server URL; settles when gathering ends or time runs out. */
function gather(
  deps: NetworkCheckDeps,
  server: RTCIceServer,
): Promise<{ types: Set<string>; refused: boolean }> {
  return new Promise((resolve) => {
    const types = new Set<string>();
    let refused = false;
    const pc = deps.createPeerConnection({ iceServers: [server] });
    const done = () => {
      deps.clearTimeout(timer);
      pc.onicecandidate = pc.onicegatheringstatechange = null;
      pc.close();
      resolve({ types, refused });
    };
    const timer = deps.setTimeout(done, CHECK_TIMEOUT_MS);
    pc.onicecandidate = (event) => {
      const type = event.candidate?.candidate.match(/ typ (\w+)/)?.[1];
      if (type) types.add(type);
    };
    pc.onicecandidateerror = (event) => {
      if ((event as RTCPeerConnectionIceErrorEvent).errorCode === 401) {
        refused = true;
      }
    };
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === "complete") done();
    };
    pc.createDataChannel("check");
    pc.setLocalDescription().catch(done);
  });
}

/** Tries every URL of the server's ICE configuration at once, and reports what works. */
export async function checkNetwork(
  deps: NetworkCheckDeps,
  iceServers: RTCIceServer[],
): Promise<NetworkReport> {
  const report: NetworkReport = {
    udp: false,
    relayConfigured: false,
    relay: { udp: false, tcp: false, tls: false },
    relayRefused: false,
  };
  const tries = iceServers.flatMap((server) =>
    [server.urls].flat().map((url) => ({ ...server, urls: url }))
  );
  await Promise.all(tries.map(async (server) => {
    const transport = relayTransport(server.urls);
    if (transport) report.relayConfigured = true;
    const { types, refused } = await gather(deps, server);
    if (types.has("srflx")) report.udp = true;
    if (transport && types.has("relay")) report.relay[transport] = true;
    if (refused) report.relayRefused = true;
  }));
  return report;
}
