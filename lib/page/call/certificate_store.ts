/**
 * This browser's lasting DTLS certificate, kept in IndexedDB, so that the
 * same person presents the same key on every call and a peer who marked it
 * verified sees "verified" next time. Browser-only.
 * @module
 */

/** How long a certificate is made to last: a year, the most Chromium allows. */
export const CERTIFICATE_LIFETIME_MS = 365 * 24 * 3600_000;
/** A certificate this close to its end is replaced (its peers see a changed key). */
export const RENEW_BEFORE_MS = 30 * 24 * 3600_000;

const DATABASE = "nexus-call";
const TABLE = "keys";
const ENTRY = "dtls-certificate";

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDatabase(): Promise<IDBDatabase> {
  const opening = indexedDB.open(DATABASE, 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore(TABLE);
  return request(opening);
}

/**
 * How long signing in waits for the kept certificate: a browser whose
 * storage does not answer must not keep the page from signing in.
 */
export const LOAD_TIMEOUT_MS = 2_000;

/**
 * The certificate to present, made and kept on first use and when the kept
 * one nears its end; null where the browser cannot keep one (a private
 * window without IndexedDB) or does not answer in `LOAD_TIMEOUT_MS`: calls
 * then use a key of their own each.
 */
export function loadCertificate(): Promise<RTCCertificate | null> {
  return Promise.race([
    keptCertificate(),
    new Promise<null>((resolve) =>
      setTimeout(() => resolve(null), LOAD_TIMEOUT_MS)
    ),
  ]);
}

async function keptCertificate(): Promise<RTCCertificate | null> {
  try {
    const db = await openDatabase();
    try {
      const kept = await request(
        db.transaction(TABLE).objectStore(TABLE).get(ENTRY),
      ) as RTCCertificate | undefined;
      if (kept && kept.expires - Date.now() > RENEW_BEFORE_MS) return kept;
      const made = await RTCPeerConnection.generateCertificate({
        name: "ECDSA",
        namedCurve: "P-256",
        expires: CERTIFICATE_LIFETIME_MS,
      } as AlgorithmIdentifier);
      await request(
        db.transaction(TABLE, "readwrite").objectStore(TABLE).put(made, ENTRY),
      );
      return made;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}
