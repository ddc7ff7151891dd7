/**
 * What the settings page and the server say to each other about the
 * browsers that ring while Nexus Call is closed (`/auth/push/*`).
 * @module
 */

/** A browser that rings for the account, as Settings lists it. */
export interface RingingBrowser {
  /** Its endpoint's SHA-256, hex: what removing it names. */
  id: string;
  /** The browser, from its User-Agent. */
  device: string;
  createdAt: number;
  /** Made in the sign-in this list was asked from. */
  current: boolean;
}
