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
import {
  type Fingerprint,
  type TransportKeys,
  transportKeys,
} from "./transport_keys.ts";

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
  /** The code both people read, once the transport is connected and the code is shown. */
  readonly code = signal<string | null>(null);
  /** Whether the peer's key is one marked verified here. */
  readonly status = signal<KeyStatus>("unverified");
  #store: ChoiceStore | undefined;
  #peer: string | null = null;
  #peerKey: Fingerprint | null = null;
  /** The keys of the connected transport, once read. */
  #keys: TransportKeys | null = null;
  /** The code is on screen (the call details are open). */
  #shown = false;
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
    this.#keys = null;
    this.#shown = false;
    this.code.value = null;
    this.status.value = "unverified";
  }

  /**
   * Reads the keys of `pc`'s connected transport: the peer's key's status
   * at once, and the code again (if it is shown) when the keys are not the
   * ones it was made from.
   */
  async check(pc: RTCPeerConnection): Promise<void> {
    const seq = ++this.#seq;
    const keys = await transportKeys(pc).catch(() => null);
    if (!keys || seq !== this.#seq || !this.#peer) return;
    const known = this.#keys;
    if (known?.local === keys.local && known.remote === keys.remote) return;
    this.#keys = keys;
    this.#peerKey = keys.remote;
    this.code.value = null;
    this.status.value = keyStatus(this.#store, this.#peer, keys.remote);
    if (this.#shown) await this.#makeCode(seq);
  }

  /**
   * The code is on screen: it is made now. Its slow hash is left until
   * then, so that it does not compete with the call's first frames.
   */
  async show(): Promise<void> {
    this.#shown = true;
    if (this.#keys && this.code.value === null) await this.#makeCode(this.#seq);
  }

  async #makeCode(seq: number): Promise<void> {
    const keys = this.#keys!;
    const { verificationCode } = await import("./verification_code.ts");
    const code = await verificationCode(keys.local, keys.remote);
    if (seq === this.#seq) this.code.value = code;
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
