/**
 * Verifying a call: its code, and the peer's key against the keys this page
 * was told to trust. Marking a call verified remembers the peer's
 * certificate fingerprint for their user id in this browser (never on the
 * server); a later call shows "verified" when the peer presents a key so
 * remembered, and "changed" when it presents another one.
 * @module
 */
import { signal } from "@preact/signals";
import type { ChoiceStore } from "./devices.ts";
import { transportKeys } from "./transport_keys.ts";
import { type Fingerprint, verificationCode } from "./verification_code.ts";

/** What this page knows of the peer's key. */
export type KeyStatus = "unverified" | "verified" | "changed";

const KEY = "nexus-call.verified-keys";

/** The keys marked verified, by user id: a user may call from several devices. */
function loadVerified(
  store: ChoiceStore | undefined,
): Record<string, string[]> {
  try {
    const kept = JSON.parse(store?.getItem(KEY) ?? "{}");
    return kept && typeof kept === "object" ? kept : {};
  } catch {
    return {};
  }
}

/** A key's standing against the keys marked verified for `peer`. */
export function keyStatus(
  store: ChoiceStore | undefined,
  peer: string,
  key: Fingerprint,
): KeyStatus {
  const known = loadVerified(store)[peer];
  if (!Array.isArray(known) || known.length === 0) return "unverified";
  return known.includes(key) ? "verified" : "changed";
}

/**
 * This page's key and each call's verification: the lasting certificate
 * every call presents, and the code and key status of the current call.
 */
export class CallVerification {
  /** The code both people read, once the transport is connected. */
  readonly code = signal<string | null>(null);
  /** Whether the peer's key is one marked verified here. */
  readonly status = signal<KeyStatus>("unverified");
  #store: ChoiceStore | undefined;
  #peer: string | null = null;
  #peerKey: Fingerprint | null = null;
  /** The pair of keys the code was made from. */
  #pair = "";
  /** Counts calls and checks: a check that finishes late for an older one is dropped. */
  #seq = 0;
  /** This page's lasting certificate, once loaded; null: each call makes its own. */
  certificate: RTCCertificate | null = null;
  /** Settles once the certificate is loaded (or could not be); null without one to load. */
  readonly loaded: Promise<void> | null;

  constructor(
    store: ChoiceStore | undefined,
    loadCertificate?: () => Promise<RTCCertificate | null>,
  ) {
    this.#store = store;
    this.loaded = loadCertificate?.().then((certificate) => {
      this.certificate = certificate;
    }) ?? null;
  }

  /** A new call with `peer`: nothing is known of its keys yet. */
  reset(peer: string | null): void {
    this.#seq++;
    this.#peer = peer;
    this.#peerKey = null;
    this.#pair = "";
    this.code.value = null;
    this.status.value = "unverified";
  }

  /**
   * Reads the keys of `pc`'s connected transport, and makes the code again
   * when they are not the ones it was made from.
   */
  async check(pc: RTCPeerConnection): Promise<void> {
    const seq = ++this.#seq;
    const keys = await transportKeys(pc).catch(() => null);
    if (!keys || seq !== this.#seq || !this.#peer) return;
    const pair = `${keys.local}\n${keys.remote}`;
    if (pair === this.#pair) return;
    const code = await verificationCode(keys.local, keys.remote);
    if (seq !== this.#seq) return;
    this.#pair = pair;
    this.#peerKey = keys.remote;
    this.code.value = code;
    this.status.value = keyStatus(this.#store, this.#peer, keys.remote);
  }

  /** The codes matched: the peer's key is remembered as verified for their id. */
  markVerified(): void {
    const peer = this.#peer;
    const key = this.#peerKey;
    if (!peer || !key) return;
    const verified = loadVerified(this.#store);
    const known = Array.isArray(verified[peer]) ? verified[peer] : [];
    if (!known.includes(key)) verified[peer] = [...known, key];
    this.#store?.setItem(KEY, JSON.stringify(verified));
    this.status.value = "verified";
  }
}
