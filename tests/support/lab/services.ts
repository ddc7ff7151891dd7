/**
 * What runs on the lab's internet: a test certificate authority and a
 * certificate for the app's and the relay's addresses; coturn with STUN and
 * TURN on UDP and TCP 3478 and TURN over TLS on 443; and the app itself over
 * TLS on 443, in token mode with coturn's REST credentials, as a real
 * deployment runs.
 * @module
 */
import { type AppProcess, startAppProcess } from "../app_process.ts";
import { COTURN } from "../environment.ts";
import { coturnBasics } from "../coturn.ts";
import { startService } from "../process.ts";
import { inside, LAB, type Lab } from "./network.ts";

/** The lab's certificate files: the authority, and the server's key and certificate. */
export interface LabCertificates {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

function openssl(dir: string, ...args: string[]): void {
  const output = new Deno.Command("openssl", {
    args,
    cwd: dir,
    stderr: "piped",
  })
    .outputSync();
  if (!output.success) {
    throw new Error(
      `openssl ${args[0]}: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
}

/** A test CA and a certificate it signed for the app's and the relay's addresses. */
export async function labCertificates(): Promise<LabCertificates> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-lab-tls-" });
  openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=Nexus lab CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  );
  openssl(
    dir,
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-subj",
    `/CN=${LAB.app}`,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  );
  await Deno.writeTextFile(
    `${dir}/san.ext`,
    `subjectAltName=DNS:${LAB.appName},DNS:${LAB.turnName},IP:${LAB.app},IP:${LAB.turn}\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(
    dir,
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "san.ext",
    "-out",
    "server.pem",
  );
  // coturn drops its privileges: its files must be readable by others.
  for (const file of ["server.pem", "server.key", "ca.pem"]) {
    await Deno.chmod(`${dir}/${file}`, 0o644);
  }
  await Deno.chmod(dir, 0o755);
  return {
    dir,
    ca: `${dir}/ca.pem`,
    cert: `${dir}/server.pem`,
    key: `${dir}/server.key`,
  };
}

/** Waits up to 15 s for `check` to hold; whether it did. */
async function until(check: () => boolean): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** The ICE URLs the lab's relay offers: TURN over UDP and TCP, and over TLS on 443 by name. */
export const LAB_TURN_URLS = [
  `turn:${LAB.turn}:3478?transport=udp`,
  `turn:${LAB.turn}:3478?transport=tcp`,
  `turns:${LAB.turnName}:443?transport=tcp`,
];

/** Whether something in `namespace` listens on TCP `address:port`. */
function listening(namespace: string, addressPort: string): boolean {
  return inside(namespace, "ss", "-Hltn").includes(` ${addressPort} `);
}

/** A process started in the lab. */
export interface LabProcess {
  output(): string;
  stop(): Promise<void>;
}

/** coturn on the lab's internet with REST credentials from `secret`. */
export async function startLabTurn(
  lab: Lab,
  secret: string,
  tls: LabCertificates,
): Promise<LabProcess> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-lab-turn-" });
  return startService(
    "coturn in the lab",
    "ip",
    [
      "netns",
      "exec",
      lab.relay,
      COTURN.path,
      "-n",
      `--listening-ip=${LAB.turn}`,
      `--relay-ip=${LAB.turn}`,
      "--listening-port=3478",
      "--tls-listening-port=443",
      `--cert=${tls.cert}`,
      `--pkey=${tls.key}`,
      "--min-port=49160",
      "--max-port=49460",
      ...coturnBasics(secret, dir),
    ],
    0,
    dir,
    () =>
      until(() =>
        listening(lab.relay, `${LAB.turn}:443`) &&
        listening(lab.relay, `${LAB.turn}:3478`)
      ),
  );
}

/**
 * The app on the lab's internet: HTTPS and WSS on 443, with the lab's relay
 * when `turnSecret` is given (STUN alone otherwise).
 */
export function startLabApp(
  lab: Lab,
  jwtSecret: string,
  turnSecret: string | null,
  tls: LabCertificates,
): Promise<AppProcess> {
  return startAppProcess({
    PORT: "443",
    NEXUS_TLS_CERT: tls.cert,
    NEXUS_TLS_KEY: tls.key,
    NEXUS_JWT_SECRET: jwtSecret,
    NEXUS_ICE_SERVERS: JSON.stringify([{ urls: `stun:${LAB.turn}:3478` }]),
    ...(turnSecret && {
      NEXUS_TURN_URLS: LAB_TURN_URLS.join(","),
      NEXUS_TURN_SECRET: turnSecret,
    }),
  }, lab.app);
}

/** Runs the lab's probe (`probe.ts`) inside a namespace and reads its JSON answer. */
export function runProbe(namespace: string, ...args: string[]): unknown {
  return JSON.parse(
    inside(
      namespace,
      Deno.execPath(),
      "run",
      "-A",
      new URL("./probe.ts", import.meta.url).pathname,
      ...args,
    ),
  );
}
