/**
 * HTTP requests and WebSocket handshakes sent from a chosen loopback
 * address (127.0.0.2, 127.0.0.3…), so that a test can be many clients on
 * one machine, as a server behind a proxy sees them. `fetch` cannot choose
 * its source address; `node:net` can. Test-only.
 */
import net from "node:net";

/** An answer's status line and headers, and the socket it came on. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  /** The body read so far (all of it, for a request answered with Connection: close). */
  body: string;
  socket: net.Socket;
}

/** Sends `head` (and `body`) from `from` to `url`'s host, and reads the answer's head. */
function exchange(
  from: string,
  url: URL,
  head: string,
  body: string,
  whole: boolean,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: url.hostname,
      port: Number(url.port),
      localAddress: from,
    });
    let text = "";
    const settle = () => {
      const end = text.indexOf("\r\n\r\n");
      const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
      const headers = new Headers();
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
      }
      resolve({
        status: Number(statusLine.split(" ")[1]),
        headers,
        body: text.slice(end + 4),
        socket,
      });
    };
    socket.setEncoding("utf8");
    socket.on("error", reject);
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (!whole && text.includes("\r\n\r\n")) {
        socket.removeAllListeners("data");
        settle();
      }
    });
    socket.on("end", () => {
      if (whole) settle();
    });
    socket.on("connect", () => socket.write(head + body));
  });
}

/** A request to `url` from address `from`; the connection closes after the answer. */
export async function requestFrom(
  from: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } =
    {},
): Promise<RawAnswer> {
  const target = new URL(url);
  const body = init.body ?? "";
  const headers = {
    host: target.host,
    connection: "close",
    ...(init.body !== undefined &&
      { "content-length": String(new TextEncoder().encode(body).length) }),
    ...init.headers,
  };
  const head = `${
    init.method ?? "GET"
  } ${target.pathname}${target.search} HTTP/1.1\r\n${
    Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`)
      .join("")
  }\r\n`;
  const answer = await exchange(from, target, head, body, true);
  answer.socket.destroy();
  return answer;
}

/**
 * A WebSocket handshake to `url` from address `from`: the answer's status,
 * and its socket, which stays open after a 101 until the test ends it.
 */
export function upgradeFrom(
  from: string,
  url: string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const target = new URL(url);
  const head = `GET ${target.pathname}${target.search} HTTP/1.1\r\n${
    Object.entries({
      host: target.host,
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
      ...headers,
    }).map(([name, value]) => `${name}: ${value}\r\n`).join("")
  }\r\n`;
  return exchange(from, target, head, "", false);
}
