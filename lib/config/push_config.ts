/**
 * Web Push settings (accounts mode): the VAPID keys if the operator brings
 * them, the contact the push services are given, how many browsers an
 * account may ring, and which private hosts a push endpoint may name.
 * @module
 */
import {
  ConfigError,
  type Env,
  integer,
  list,
  onOff,
  text,
} from "./setting_readers.ts";

/** How closed browsers are rung. */
export interface PushConfig {
  /** `NEXUS_PUSH_VAPID_PUBLIC_KEY` and `_PRIVATE_KEY`; null: made once and kept in the accounts store. */
  vapidKeys: { publicKey: string; privateKey: string } | null;
  /** `NEXUS_PUSH_SUBJECT` (`mailto:` or `https:`); null: the origin of the page that subscribed. */
  subject: string | null;
  /** `NEXUS_PUSH_MAX_BROWSERS`: how many browsers one account may ring. */
  maxBrowsers: number;
  /**
   * `NEXUS_PUSH_ALLOWED_HOSTS`: `host:port` of push services that may
   * resolve to a loopback, private or link-local address (a push service on
   * the operator's own network, or a test's).
   */
  allowedHosts: ReadonlySet<string>;
}

/** How many browsers an account may ring unless the settings say otherwise. */
export const DEFAULT_MAX_BROWSERS = 10;

/** Whether `value` is base64url of exactly `bytes` bytes (a VAPID key). */
function base64urlOf(value: string, bytes: number): boolean {
  return /^[A-Za-z0-9_-]+$/.test(value) &&
    Math.floor(value.length * 3 / 4) === bytes;
}

/** The push settings; null with `NEXUS_PUSH=off`. */
export function pushConfig(env: Env): PushConfig | null {
  if (!onOff(env, "NEXUS_PUSH", true)) return null;
  const publicKey = text(env, "NEXUS_PUSH_VAPID_PUBLIC_KEY");
  const privateKey = text(env, "NEXUS_PUSH_VAPID_PRIVATE_KEY");
  if ((publicKey === null) !== (privateKey === null)) {
    throw new ConfigError(
      "NEXUS_PUSH_VAPID_PUBLIC_KEY and NEXUS_PUSH_VAPID_PRIVATE_KEY go together: set both or neither.",
    );
  }
  if (
    publicKey !== null &&
    !(base64urlOf(publicKey, 65) && base64urlOf(privateKey!, 32))
  ) {
    throw new ConfigError(
      "NEXUS_PUSH_VAPID_PUBLIC_KEY must be a P-256 public key (65 bytes) and NEXUS_PUSH_VAPID_PRIVATE_KEY its private key (32 bytes), both base64url, as `npx web-push generate-vapid-keys` prints them.",
    );
  }
  const subject = text(env, "NEXUS_PUSH_SUBJECT");
  if (
    subject !== null &&
    !/^(mailto:[^@\s]+@[^@\s]+|https:\/\/\S+)$/.test(subject)
  ) {
    throw new ConfigError(
      `NEXUS_PUSH_SUBJECT must be a mailto: address or an https: URL (e.g. mailto:ops@example.org), not "${subject}".`,
    );
  }
  return {
    vapidKeys: publicKey === null
      ? null
      : { publicKey, privateKey: privateKey! },
    subject,
    maxBrowsers: integer(
      env,
      "NEXUS_PUSH_MAX_BROWSERS",
      DEFAULT_MAX_BROWSERS,
      1,
      100,
    ),
    allowedHosts: new Set(
      list(env, "NEXUS_PUSH_ALLOWED_HOSTS").map((host) => host.toLowerCase()),
    ),
  };
}
