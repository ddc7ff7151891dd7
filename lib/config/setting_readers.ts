/**
 * How one setting is read from the environment: as text, a whole number in
 * a range, a list, on or off, a URL. A bad value throws a `ConfigError`
 * whose sentence names the variable.
 * @module
 */

/** The environment, as the settings read it. */
export type Env = Record<string, string | undefined>;

/** A setting with a bad value; the message names the variable. */
export class ConfigError extends Error {}

/** The variable's value, trimmed; null when unset or blank. */
export function text(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

/** A whole number from `min` to `max`; `fallback` when unset. */
export function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = text(env, name);
  if (value === null) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new ConfigError(
      `${name} must be a whole number from ${min} to ${max}, not "${value}".`,
    );
  }
  return number;
}

/** A comma-separated list, its items trimmed, empty ones dropped. */
export function list(env: Env, name: string): string[] {
  return (text(env, name) ?? "").split(",").map((item) => item.trim()).filter(
    Boolean,
  );
}

/** `on` or `off`; `fallback` when unset. */
export function onOff(env: Env, name: string, fallback: boolean): boolean {
  const value = text(env, name);
  if (value === null) return fallback;
  if (value !== "on" && value !== "off") {
    throw new ConfigError(`${name} must be "on" or "off", not "${value}".`);
  }
  return value === "on";
}

/** An http(s) URL; null when unset. `example` goes in the refusal. */
export function url(env: Env, name: string, example: string): URL | null {
  const value = text(env, name);
  if (value === null) return null;
  try {
    const parsed = new URL(value);
    if (/^https?:$/.test(parsed.protocol)) return parsed;
  } catch {
    // Said below.
  }
  throw new ConfigError(
    `${name} must be a URL like ${example}, not "${value}".`,
  );
}
