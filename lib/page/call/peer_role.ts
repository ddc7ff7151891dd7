/**
 * How one side of a call negotiates its peer connection: polite or not,
 * whether it offers first, holds its answer while the call rings, or renews
 * another connection. Browser-only.
 * @module
 */
import type { Renewal } from "./renewal.ts";

/** How this side of the call negotiates. */
export interface PeerRole {
  /** The polite side yields when both offer at once; the impolite side restarts ICE. */
  polite: boolean;
  /**
   * The callee's connection made while the call rings: the caller's offer is
   * applied but not answered, and no candidate of this side is sent, until
   * `answer` (the call accepted).
   */
  holdAnswer?: boolean;
  /** This side makes the first offer; by default the impolite side (the caller) does. */
  offers?: boolean;
  /** The connection renews another (`renewal.ts`): it carries that one's media again. */
  renews?: Renewal;
}
