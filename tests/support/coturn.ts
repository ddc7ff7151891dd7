/** A real coturn on a loopback port, with coturn's REST credentials (`use-auth-secret`). */
import { COTURN } from "./environment.ts";
import { freePort, startService } from "./process.ts";

/** A running coturn. */
export interface Coturn {
  port: number;
  /** `turn:127.0.0.1:PORT?transport=udp` */
  url: string;
  stop(): Promise<void>;
}

/**
 * What every coturn of the tests runs with: REST credentials from `secret`
 * (`use-auth-secret`), no DTLS or admin console, its files in `dir`, its log
 * on standard output.
 */
export function coturnBasics(secret: string, dir: string): string[] {
  return [
    "--use-auth-secret",
    `--static-auth-secret=${secret}`,
    "--realm=nexus.test",
    "--no-cli",
    "--no-dtls",
    "--fingerprint",
    "--no-software-attribute",
    `--pidfile=${dir}/turnserver.pid`,
    `--userdb=${dir}/turndb`,
    "--log-file=stdout",
    "--simple-log",
  ];
}

/** Starts coturn with `secret` as its static auth secret, relaying on loopback only, on `port`. */
export async function startCoturn(
  secret: string,
  port = freePort(),
): Promise<Coturn> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-coturn-" });
  const { stop } = await startService(
    "coturn",
    COTURN.path,
    [
      "-n",
      "--listening-ip=127.0.0.1",
      "--relay-ip=127.0.0.1",
      `--listening-port=${port}`,
      "--min-port=49160",
      "--max-port=49260",
      "--allow-loopback-peers",
      "--no-tls",
      ...coturnBasics(secret, dir),
    ],
    port,
    dir,
  );
  return { port, url: `turn:127.0.0.1:${port}?transport=udp`, stop };
}
