/**
 * Structured logs: one JSON line per event, with a level, an event name and
 * ids. What may identify a person's network or session secrets (IP addresses,
 * tokens, SDP, ICE candidates) is never logged above `debug`.
 * @module
 */

/** The levels, least severe first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** One of `LOG_LEVELS`. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Fields of a log line besides time, level and event. */
export type LogFields = Record<
  string,
  string | number | boolean | null | undefined
>;

/** Writes log lines at and above its level. */
export interface Logger {
  readonly level: LogLevel;
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** A logger writing JSON lines with `write` (standard output by default). */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = console.log,
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at =
    (lineLevel: LogLevel) => (event: string, fields: LogFields = {}) => {
      if (LOG_LEVELS.indexOf(lineLevel) < threshold) return;
      write(
        JSON.stringify({
          time: new Date().toISOString(),
          level: lineLevel,
          event,
          ...fields,
        }),
      );
    };
  return {
    level,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
}
