/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with openssl
 * for one test: serve HTTPS with it, and trust it as its own authority
 * (`Deno.createHttpClient({ caCerts })`, or `DENO_CERT` for a process).
 * Test-only.
 * @module
 */

/** The certificate and key, as PEM text and as files. */
export interface LoopbackTls {
  cert: string;
  key: string;
  certFile: string;
  dir: string;
}

/** Makes a certificate valid for a day. */
export async function loopbackTls(): Promise<LoopbackTls> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-tls-" });
  const made = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!made.success) {
    throw new Error(`openssl: ${new TextDecoder().decode(made.stderr)}`);
  }
  return {
    cert: await Deno.readTextFile(`${dir}/cert.pem`),
    key: await Deno.readTextFile(`${dir}/key.pem`),
    certFile: `${dir}/cert.pem`,
    dir,
  };
}
