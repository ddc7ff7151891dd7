/**
 * Challenges of ceremonies under way (WebAuthn, single sign-on), kept in
 * the store and taken exactly once, before they expire.
 * @module
 */
import { type Ceremony, RECORD_VERSION } from "./records.ts";
import type { AccountStore } from "./store.ts";

/** How long a challenge may wait for its answer. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

/** The challenges of one store. */
export class Challenges {
  constructor(
    private readonly store: AccountStore,
    private readonly now: () => number,
  ) {}

  /** Keeps `challenge`, issued for `ceremony`. */
  async put(challenge: string, ceremony: Ceremony): Promise<void> {
    await this.store.putChallenge(challenge, {
      v: RECORD_VERSION,
      ceremony,
      expiresAt: this.now() + CHALLENGE_TTL_MS,
    });
  }

  /** What `challenge` was issued for, taken so that nobody takes it again; null if it was not, or is gone. */
  async take(challenge: string): Promise<Ceremony | null> {
    return (await this.store.takeChallenge(challenge))?.ceremony ?? null;
  }

  /**
   * A check for WebAuthn's `expectedChallenge`: takes the challenge, true
   * when it was issued as `matches` wants. The library reads a failure of
   * the check as a refused passkey, so a failure of the store is kept in
   * `failure` for the caller to report as what it is.
   */
  takenFor(matches: (ceremony: Ceremony) => boolean): ChallengeCheck {
    const check = async (challenge: string): Promise<boolean> => {
      try {
        const ceremony = await this.take(challenge);
        return ceremony !== null && matches(ceremony);
      } catch (error) {
        check.failure = { error };
        return false;
      }
    };
    check.failure = null as { error: unknown } | null;
    return check;
  }
}

/** The check `takenFor` makes, with the store's failure if it had one. */
export interface ChallengeCheck {
  (challenge: string): Promise<boolean>;
  failure: { error: unknown } | null;
}
