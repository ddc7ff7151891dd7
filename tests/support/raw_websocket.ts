/**
 * A bare-bones WebSocket client over TCP, for what the WebSocket API cannot
 * do: choose the Origin and Host headers, or send a text frame that is not UTF-8.
 */

/** An open raw connection after a handshake. */
export interface RawSocket {
  /** The HTTP status line and headers of the handshake answer. */
  status: number;
  /** Sends one masked frame. */
  send(opcode: number, payload: Uint8Array): Promise<void>;
  /** Reads frames until a close frame; its code, or 1006 if the connection just ended. */
  closeCode(): Promise<number>;
  close(): void;
}

function frame(opcode: number, payload: Uint8Array): Uint8Array {
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const header = payload.length < 126
    ? [0x80 | opcode, 0x80 | payload.length]
    : [
      0x80 | opcode,
      0x80 | 126,
      payload.length >> 8,
      payload.length & 0xff,
    ];
  const out = new Uint8Array(header.length + 4 + payload.length);
  out.set(header);
  out.set(mask, header.length);
  payload.forEach((byte, i) => out[header.length + 4 + i] = byte ^ mask[i % 4]);
  return out;
}

/**
 * The bytes of a WebSocket upgrade request for `url`; `headers` add to the
 * usual ones or replace them (matched case-insensitively), e.g. Host.
 */
export function upgradeRequest(
  url: string,
  headers: Record<string, string> = {},
): Uint8Array {
  const target = new URL(url);
  const key = btoa(
    String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))),
  );
  const usual: Record<string, string> = {
    Host: target.host,
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": key,
    "Sec-WebSocket-Version": "13",
  };
  const given = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  const lines = [
    `GET ${target.pathname}${target.search} HTTP/1.1`,
    ...Object.entries(usual).filter(([name]) => !given.has(name.toLowerCase()))
      .map(([name, value]) => `${name}: ${value}`),
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n");
}

/** Opens `ws://127.0.0.1:PORT/path` with extra handshake headers. */
export async function openRaw(
  url: string,
  headers: Record<string, string> = {},
): Promise<RawSocket> {
  const target = new URL(url);
  const conn = await Deno.connect({
    hostname: target.hostname,
    port: Number(target.port),
  });
  await conn.write(upgradeRequest(url, headers));
  let received = new Uint8Array(0);
  const read = async (): Promise<boolean> => {
    const chunk = new Uint8Array(65_536);
    const n = await conn.read(chunk).catch(() => null);
    if (n === null) return false;
    const next = new Uint8Array(received.length + n);
    next.set(received);
    next.set(chunk.subarray(0, n), received.length);
    received = next;
    return true;
  };
  let headerEnd = -1;
  while (
    (headerEnd = new TextDecoder().decode(received).indexOf("\r\n\r\n")) === -1
  ) {
    if (!await read()) break;
  }
  const status = Number(new TextDecoder().decode(received).split(" ")[1]);
  received = received.subarray(headerEnd + 4);
  return {
    status,
    send: async (opcode, payload) => {
      await conn.write(frame(opcode, payload));
    },
    closeCode: async () => {
      while (true) {
        while (received.length >= 2) {
          const opcode = received[0] & 0x0f;
          let length = received[1] & 0x7f;
          let offset = 2;
          if (length === 126) {
            if (received.length < 4) break;
            length = (received[2] << 8) | received[3];
            offset = 4;
          }
          if (received.length < offset + length) break;
          const payload = received.subarray(offset, offset + length);
          received = received.subarray(offset + length);
          if (opcode === 0x8) {
            return payload.length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
          }
        }
        if (!await read()) return 1006;
      }
    },
    close: () => {
      try {
        conn.close();
      } catch {
        // Already closed by the server.
      }
    },
  };
}
