/**
 * Accounts without passwords, over an `AccountStore`: invites
 * (here), passkeys (`passkey_ceremonies.ts`), sessions (`sessions.ts`),
 * single sign-on (here, over `single_sign_on.ts`), contacts (`contacts.ts`)
 * and the call history (`call_history.ts`), made when the store opens. Plain TypeScript; the HTTP side is `http.ts`.
 * @module
 */
import { isAccountId } from "../wire/protocol.ts";
import { AccountError } from "./account_error.ts";
import { CallHistory } from "./call_history.ts";
import { Contacts } from "./contacts.ts";
import { Challenges } from "./challenges.ts";
import type { PasskeyCeremonies } from "./passkey_ceremonies.ts";
import { randomCode, secretHash, type SessionRef } from "./session_cookie.ts";
import { type NewSession, Sessions } from "./sessions.ts";
import { SignOnRefused, type SingleSignOn } from "./single_sign_on.ts";
import type { AccountStore } from "./store.ts";
import { RECORD_VERSION } from "./records.ts";

/** How accounts are run. */
export interface AccountsOptions {
  /** Opens the store, at `start`. */
  openStore(): Promise<AccountStore>;
  /** How long a sign-in lasts. */
  sessionDays: number;
  /** Who may invite: only the operator (the command line), or every account too. */
  invitesBy: "operator" | "everyone";
  now?: () => number;
  /** Told when sessions end, so that their open sockets close: one (by its id's hash), or all of the user's. */
  revoked?(userId: string, sessionHash: string | null): void;
  /** Single sign-on with an OpenID Connect provider, if configured. */
  singleSignOn?: SingleSignOn | null;
  /** How long the call history keeps a call (90 days unless said). */
  historyDays?: number;
  /** Whose presence these users may see changed (a contact, a block, who may call). */
  audienceChanged?(userIds: string[]): void;
}

/** How long the call history keeps a call unless the settings say otherwise. */
export const DEFAULT_HISTORY_DAYS = 90;

/** How long an invite lasts unless its maker says otherwise. */
export const DEFAULT_INVITE_HOURS = 72;

/** A store's accounts: its parts exist once `start` has opened it. */
export class Accounts {
  /** Sign-ins, their cookies, and signing out. */
  sessions!: Sessions;
  /** Creating, signing in with, adding and removing passkeys. */
  passkeys!: PasskeyCeremonies;
  /** Contacts, blocks and who may call: who may reach whom. */
  contacts!: Contacts;
  /** Each account's calls. */
  history!: CallHistory;
  #options: AccountsOptions;
  #store!: AccountStore;
  #challenges!: Challenges;
  #now: () => number;
  #started = false;

  constructor(options: AccountsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The store, once `start` opened it: for the parts that keep their records beside the accounts'. */
  get store(): AccountStore {
    return this.#store;
  }

  /** Opens the store and loads the cookie key; nothing is signed in before. */
  async start(): Promise<void> {
    const store = this.#store = await this.#options.openStore();
    this.#challenges = new Challenges(store, this.#now);
    this.contacts = new Contacts(store.contacts, {
      accountExists: async (userId) => await store.account(userId) !== null,
      audienceChanged: this.#options.audienceChanged,
      now: this.#now,
    });
    this.history = new CallHistory(
      store.history,
      this.#options.historyDays ?? DEFAULT_HISTORY_DAYS,
      this.#now,
    );
    this.sessions = new Sessions(store, await store.cookieKey(), {
      sessionDays: this.#options.sessionDays,
      now: this.#now,
      revoked: this.#options.revoked,
    });
    // Loaded here: a server without accounts never pays for WebAuthn's library at start.
    const { PasskeyCeremonies } = await import("./passkey_ceremonies.ts");
    this.passkeys = new PasskeyCeremonies(
      store,
      this.#challenges,
      this.sessions,
      this.#now,
    );
    this.#started = true;
  }

  /** Closes the store. */
  stop(): void {
    this.#store?.close();
  }

  /** Whether `start` has finished. */
  get started(): boolean {
    return this.#started;
  }

  /** The invite behind a code, if it can still be used. */
  async invite(code: string) {
    return await this.#store.invite(secretHash(code));
  }

  /**
   * Makes a one-time invite; `userId` fixes the id the account will have.
   * Returns the code for the link (`/signin?invite=CODE`).
   */
  async createInvite(
    createdBy: string,
    userId: string | null,
    hours = DEFAULT_INVITE_HOURS,
  ): Promise<string> {
    if (userId !== null && !isAccountId(userId)) {
      throw new AccountError(
        400,
        "invalid-user-id",
        "A user id is 1–64 of A–Z a–z 0–9 . _ ~ -, not beginning with ~ (kept for guests).",
      );
    }
    if (createdBy !== "operator" && !await this.#mayInvite(createdBy)) {
      throw new AccountError(
        403,
        "may-not-invite",
        "Only the operator invites people on this server.",
      );
    }
    const code = randomCode();
    const now = this.#now();
    await this.#store.createInvite({
      v: RECORD_VERSION,
      codeHash: secretHash(code),
      userId,
      createdBy,
      createdAt: now,
      expiresAt: now + hours * 3600_000,
    });
    return code;
  }

  async #mayInvite(userId: string): Promise<boolean> {
    return this.#options.invitesBy === "everyone" ||
      (await this.#store.account(userId))?.canInvite === true;
  }

  /** What the settings show: the account's passkeys and live sessions, this one marked. */
  async overview(session: SessionRef) {
    const [canInvite, passkeys, sessions] = await Promise.all([
      this.#mayInvite(session.userId),
      this.passkeys.list(session.userId),
      this.sessions.list(session),
    ]);
    return { userId: session.userId, canInvite, passkeys, sessions };
  }

  /** The single sign-on provider's name, for the sign-in button; null without one. */
  get singleSignOnName(): string | null {
    return this.#options.singleSignOn?.config.name ?? null;
  }

  /** Where the provider sends people back; null without single sign-on. */
  get singleSignOnRedirectUri(): string | null {
    return this.#options.singleSignOn?.config.redirectUri ?? null;
  }

  /**
   * Where to send a person who signs in with the provider, and the secret
   * their browser keeps (`binding`) until it comes back: only that browser
   * may finish the sign-on (RFC 6749 §10.12).
   */
  async startSingleSignOn(): Promise<{ url: URL; binding: string }> {
    const { url, state, pending } = await this.#singleSignOn().start();
    const binding = randomCode();
    await this.#challenges.put(state, {
      kind: "single-sign-on",
      ...pending,
      browser: secretHash(binding),
    });
    return { url, binding };
  }

  /**
   * The provider sent the person back to `callbackUrl`, in a browser that
   * holds `binding` (null: none): their account (made on first sign-in) is
   * signed in, if it is the browser that started the sign-on.
   */
  async finishSingleSignOn(
    callbackUrl: URL,
    binding: string | null,
    device: string,
  ): Promise<NewSession> {
    const sso = this.#singleSignOn();
    const state = callbackUrl.searchParams.get("state") ?? "";
    const ceremony = state ? await this.#challenges.take(state) : null;
    if (ceremony?.kind !== "single-sign-on") {
      throw new AccountError(
        400,
        "sign-on-expired",
        "That sign-in took too long or was used already: start again.",
      );
    }
    if (!binding || secretHash(binding) !== ceremony.browser) {
      throw new AccountError(
        403,
        "sign-on-elsewhere",
        "That sign-in was started in another browser: start it again here.",
      );
    }
    let userId: string;
    try {
      userId = await sso.finish(callbackUrl, state, ceremony);
    } catch (error) {
      if (error instanceof SignOnRefused) {
        throw new AccountError(403, "sign-on-refused", error.message);
      }
      throw error;
    }
    await this.#store.ensureAccount({
      v: RECORD_VERSION,
      userId,
      createdAt: this.#now(),
      canInvite: false,
    });
    return await this.sessions.open(userId, device);
  }

  #singleSignOn(): SingleSignOn {
    const sso = this.#options.singleSignOn;
    if (!sso) {
      throw new AccountError(
        404,
        "no-single-sign-on",
        "This server has no single sign-on.",
      );
    }
    return sso;
  }
}
