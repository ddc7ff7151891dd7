/**
 * The two certificates of a call's connected DTLS transport, as
 * fingerprints: this side's and the peer's.
 * @module
 */

/** A certificate fingerprint, `"sha-256 AB:CD:…"`: the hash's name in lower case, its bytes in upper-case hex. */
export type Fingerprint = string;

/** A fingerprint as `fingerprint` writes it, from the parts stats and SDP give. */
export function fingerprint(algorithm: string, value: string): Fingerprint {
  return `${algorithm.toLowerCase()} ${value.toUpperCase()}`;
}

/** This side's certificate and the one the peer proved it holds. */
export interface TransportKeys {
  local: Fingerprint;
  remote: Fingerprint;
}

/** The first `a=fingerprint` of a description (bundled: one for every section). */
export function fingerprintInSdp(sdp: string | undefined): Fingerprint | null {
  const found = sdp?.match(/^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/m);
  return found ? fingerprint(found[1], found[2]) : null;
}

/**
 * The keys of `pc`'s connected transport, or null while none is connected.
 * Chromium reports the certificates DTLS used in its statistics; Firefox
 * does not, and there the applied descriptions serve: a connected DTLS
 * transport has checked the peer's certificate against the remote one.
 */
export async function transportKeys(
  pc: RTCPeerConnection,
): Promise<TransportKeys | null> {
  const stats = await pc.getStats();
  for (const report of stats.values()) {
    if (report.type !== "transport" || report.dtlsState !== "connected") {
      continue;
    }
    const local = stats.get(report.localCertificateId);
    const remote = stats.get(report.remoteCertificateId);
    if (local && remote) {
      return {
        local: fingerprint(local.fingerprintAlgorithm, local.fingerprint),
        remote: fingerprint(remote.fingerprintAlgorithm, remote.fingerprint),
      };
    }
  }
  if (pc.connectionState !== "connected") return null;
  const local = fingerprintInSdp(pc.localDescription?.sdp);
  const remote = fingerprintInSdp(pc.remoteDescription?.sdp);
  return local && remote ? { local, remote } : null;
}
