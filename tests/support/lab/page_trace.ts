/**
 * A page's own account of a call, for a lab test that fails: each peer
 * connection's states, descriptions and ICE restarts, each signaling
 * socket's life and the call messages on it, and the status line, each at
 * its time of day (UTC). Runs in the page before the app; read back
 * with `traceOf`. Test-only.
 */
import type { Evaluates } from "../browser.ts";

/** The script that keeps the trace (before the app's, with the probe after it). */
export const PAGE_TRACE = `
  window.__trace = [];
  const note = (s) =>
    window.__trace.push(new Date().toISOString().slice(11, 23) + " " + s);
  const NativePeer = window.RTCPeerConnection;
  let peers = 0;
  window.RTCPeerConnection = class extends NativePeer {
    constructor(...args) {
      super(...args);
      const id = "pc" + ++peers;
      note(id + " new");
      for (const [event, state] of [
        ["connectionstatechange", "connectionState"],
        ["iceconnectionstatechange", "iceConnectionState"],
        ["signalingstatechange", "signalingState"],
      ]) this.addEventListener(event, () => note(id + " " + state + " " + this[state]));
      const local = this.setLocalDescription.bind(this);
      const remote = this.setRemoteDescription.bind(this);
      const restart = this.restartIce.bind(this);
      this.setLocalDescription = (d) => { note(id + " local " + (d?.type ?? "auto")); return local(d); };
      this.setRemoteDescription = (d) => { note(id + " remote " + d?.type); return remote(d); };
      this.restartIce = () => { note(id + " restartIce"); restart(); };
    }
  };
  const NativeSocket = window.WebSocket;
  let sockets = 0;
  const quiet = /"type":"(ack|ping|pong|presence:[a-z]+)"/;
  window.WebSocket = class extends NativeSocket {
    constructor(...args) {
      super(...args);
      const id = "ws" + ++sockets;
      note(id + " new");
      this.addEventListener("open", () => note(id + " open"));
      this.addEventListener("close", (e) => note(id + " close " + e.code));
      this.addEventListener("message", (e) => {
        const text = String(e.data);
        if (!quiet.test(text)) note(id + " in " + text.slice(0, 80));
      });
      const send = this.send.bind(this);
      this.send = (data) => {
        const text = String(data);
        if (!quiet.test(text)) note(id + " out " + text.slice(0, 80));
        send(data);
      };
    }
  };
  addEventListener("DOMContentLoaded", () => {
    let last = "";
    new MutationObserver(() => {
      const status = document.querySelector('[role="status"]')?.textContent ?? "";
      if (status !== last) note("status: " + (last = status));
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
`;

/** The page's trace so far, a line an event. */
export async function traceOf(page: Evaluates): Promise<string> {
  const lines = await page.evaluate(() =>
    (globalThis as unknown as { __trace?: string[] }).__trace ?? []
  );
  return lines.join("\n");
}
