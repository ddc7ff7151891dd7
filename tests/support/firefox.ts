/**
 * Firefox ESR for the cross-browser tests, driven by puppeteer-core over
 * WebDriver BiDi (Playwright's Firefox needs a patched build). Fake camera
 * and microphone come from Firefox's own preferences. In the network lab
 * Firefox runs inside a host's namespace; its BiDi port there is reached
 * through a forwarder on this side's loopback.
 */
import type { Browser } from "puppeteer-core";
import { CERTUTIL, FIREFOX } from "./environment.ts";

/**
 * The preferences every test's Firefox starts with: fake devices, no
 * prompts, no updates, and reduced motion preferred (the call's controls
 * stay rather than fade, as in the Chromium tests).
 */
export const FIREFOX_PREFS: Record<string, string | number | boolean> = {
  "ui.prefersReducedMotion": 1,
  "media.navigator.streams.fake": true,
  "media.navigator.permission.disabled": true,
  "media.autoplay.default": 0,
  "media.autoplay.blocking_policy": 0,
  "app.update.enabled": false,
  "browser.shell.checkDefaultBrowser": false,
  "browser.startup.homepage_override.mstone": "ignore",
  "datareporting.policy.dataSubmissionEnabled": false,
  "toolkit.telemetry.reportingpolicy.firstRun": false,
};

/**
 * Launches Firefox ESR headless, here or inside a lab namespace; `trust`
 * names a test CA (PEM) its profile trusts, as TURN over TLS needs: unlike
 * pages, WebRTC's relay connections take no exception for a certificate.
 * `prefs` (here only) are set beside the usual ones.
 */
export async function launchFirefox(
  namespace?: string,
  trust?: string,
  prefs: Record<string, string | number | boolean> = {},
): Promise<Browser> {
  const puppeteer = (await import("puppeteer-core")).default;
  if (!namespace) {
    return await puppeteer.launch({
      browser: "firefox",
      executablePath: FIREFOX.path,
      headless: true,
      acceptInsecureCerts: true,
      extraPrefsFirefox: { ...FIREFOX_PREFS, ...prefs },
    });
  }
  const profile = await Deno.makeTempDir({ prefix: "nexus-firefox-" });
  if (trust) {
    const db = `sql:${profile}`;
    certutil("-N", "-d", db, "--empty-password");
    certutil("-A", "-d", db, "-n", "Nexus lab CA", "-t", "C,,", "-i", trust);
  }
  await Deno.writeTextFile(
    `${profile}/user.js`,
    Object.entries(FIREFOX_PREFS).map(([name, value]) =>
      `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});`
    ).join("\n"),
  );
  // Firefox checks the Host of each BiDi connection: the forwarder here takes the port
  // Firefox listens on there, so that both say the same.
  const forwarder = forward(namespace);
  const child = new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      namespace,
      FIREFOX.path,
      "--headless",
      "--no-remote",
      "--profile",
      profile,
      "--remote-debugging-port",
      String(forwarder.port),
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  await untilBidiListens(child.stderr);
  const browser = await puppeteer.connect({
    browserWSEndpoint: `ws://127.0.0.1:${forwarder.port}/session`,
    protocol: "webDriverBiDi",
    acceptInsecureCerts: true,
  });
  // Closing is ending the process here: asking it over the forwarded port only waits.
  browser.close = async () => {
    await browser.disconnect();
  };
  browser.on("disconnected", async () => {
    forwarder.close();
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await child.status;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  });
  return browser;
}

/** Runs NSS's certutil on a profile's certificate database. */
function certutil(...args: string[]): void {
  const output = new Deno.Command(CERTUTIL.path, { args, stderr: "piped" })
    .outputSync();
  if (!output.success) {
    throw new Error(
      `certutil ${args[0]}: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
}

/** Reads Firefox's stderr until it says BiDi listens; the rest is drained. */
async function untilBidiListens(
  stderr: ReadableStream<Uint8Array>,
): Promise<void> {
  const lines = stderr.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { value, done } = await lines.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (text.includes("WebDriver BiDi listening on ws://127.0.0.1:")) {
      (async () => {
        while (!(await lines.read()).done) { /* drained */ }
      })();
      return;
    }
  }
  throw new Error(`Firefox did not open its BiDi port:\n${text}`);
}

/**
 * Accepts connections on a free port of this side's loopback and carries
 * each to the same port on the namespace's loopback, through a pipe process
 * started inside it.
 */
function forward(namespace: string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const pipe = new URL("./lab/probe.ts", import.meta.url).pathname;
  (async () => {
    for await (const connection of listener) {
      const child = new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          namespace,
          Deno.execPath(),
          "run",
          "-A",
          pipe,
          "pipe",
          "127.0.0.1",
          String(port),
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      connection.readable.pipeTo(child.stdin).catch(() => {});
      child.stdout.pipeTo(connection.writable).catch(() => {});
    }
  })().catch(() => {});
  return { port, close: () => listener.close() };
}
