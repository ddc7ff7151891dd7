/**
 * Checks an ICE server from the server's side, as `deno task doctor` runs
 * them: a STUN server answers a binding request; a TURN server grants an
 * allocation to freshly minted REST credentials, over the URL's own
 * transport (UDP, TCP, or TLS, whose certificate is checked on the way).
 * The STUN and TURN messages are the `stun` package's.
 * @module
 */
import { createHash } from "node:crypto";
import { createSocket } from "node:dgram";
import { connect as connectTcp, isIP, type Socket } from "node:net";
import { connect as connectTls, type TLSSocket } from "node:tls";
import { Buffer } from "node:buffer";
import stun from "stun";
import type { IceUrl } from "./ice_url.ts";

/** How long one server may take to answer. */
export const CHECK_TIMEOUT_MS = 5_000;

/** One line of the doctor's report. */
export interface CheckResult {
  ok: boolean;
  /** A line that points at trouble without failing the check. */
  warning?: string;
  said: string;
}

type Message = ReturnType<typeof stun.createMessage>;
type Reply = ReturnType<typeof stun.decode>;

/** A conversation with one server over the URL's transport: a message, then its answer. */
interface Conversation {
  exchange(message: Message): Promise<Reply>;
  close(): void;
}

/**
 * Opens the URL's transport. One socket for the whole check: a TURN
 * server's nonce belongs to the address it answered.
 */
function converse(target: IceUrl): Conversation {
  let pending: ((reply: Reply) => void) | null = null;
  let failed: ((error: Error) => void) | null = null;
  const answer = (data: Uint8Array) =>
    pending?.(stun.decode(Buffer.from(data)));
  const fail = (error: Error) => failed?.(error);
  const ask = (send: () => void) =>
    withTimeout(
      new Promise<Reply>((resolve, reject) => {
        pending = resolve;
        failed = reject;
        send();
      }),
    );
  if (target.transport === "udp") {
    const socket = createSocket(isIP(target.host) === 6 ? "udp6" : "udp4");
    socket.on("message", answer);
    socket.on("error", fail);
    return {
      exchange: (message) =>
        ask(() => socket.send(stun.encode(message), target.port, target.host)),
      close: () => socket.close(),
    };
  }
  const socket: Socket | TLSSocket = target.transport === "tls"
    ? connectTls({
      host: target.host,
      port: target.port,
      servername: isIP(target.host) ? undefined : target.host,
    })
    : connectTcp({ host: target.host, port: target.port });
  let received = Buffer.alloc(0);
  socket.on("data", (data: Buffer) => {
    received = Buffer.concat([received, data]);
    // Over a stream a STUN message is framed by its header's length.
    while (received.length >= 20) {
      const length = 20 + received.readUInt16BE(2);
      if (received.length < length) break;
      answer(received.subarray(0, length));
      received = received.subarray(length);
    }
  });
  socket.on("error", fail);
  return {
    exchange: (message) => ask(() => socket.write(stun.encode(message))),
    close: () => socket.destroy(),
  };
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
        CHECK_TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A binding request: the server says where it sees this machine. */
export async function checkStun(target: IceUrl): Promise<CheckResult> {
  const conversation = converse(target);
  try {
    const reply = await conversation.exchange(
      stun.createMessage(stun.constants.STUN_BINDING_REQUEST),
    );
    const seen = reply.getXorAddress() ?? reply.getAddress();
    return {
      ok: true,
      said:
        `${target.url}: answers; it sees this server at ${seen.address}:${seen.port}`,
    };
  } catch (error) {
    return { ok: false, said: `${target.url}: ${reason(error)}` };
  } finally {
    conversation.close();
  }
}

/** An allocation with these credentials, over the URL's transport; it is released again. */
export async function checkTurn(
  target: IceUrl,
  username: string,
  password: string,
): Promise<CheckResult> {
  /** An Allocate request (a Refresh with lifetime 0 when `release`), signed once the server asked. */
  const request = (
    auth?: { realm: string; nonce: string },
    release = false,
  ) => {
    const message = stun.createMessage(
      release
        ? stun.constants.STUN_REFRESH_REQUEST
        : stun.constants.STUN_ALLOCATE_REQUEST,
    );
    if (!release) {
      // REQUESTED-TRANSPORT: the relay speaks UDP to peers (17, in the high byte).
      message.addAttribute(
        stun.constants.STUN_ATTR_REQUESTED_TRANSPORT,
        17 << 24,
      );
    }
    message.addAttribute(stun.constants.STUN_ATTR_LIFETIME, release ? 0 : 60);
    if (auth) {
      message.addUsername(username);
      message.addRealm(auth.realm);
      message.addNonce(auth.nonce);
      message.addMessageIntegrity(
        createHash("md5").update(`${username}:${auth.realm}:${password}`)
          .digest(),
      );
    }
    message.addFingerprint();
    return message;
  };
  const conversation = converse(target);
  try {
    const challenge = await conversation.exchange(request());
    const realm = challenge.getRealm();
    const nonce = challenge.getNonce();
    if (!realm || !nonce) {
      return { ok: false, said: `${target.url}: did not ask for credentials` };
    }
    const answer = await conversation.exchange(request({ realm, nonce }));
    const error = answer.getError();
    if (error) {
      const reason = String(error.reason ?? "").trim();
      return {
        ok: false,
        said: `${target.url}: refused the allocation (${reason})${
          /unauthori[sz]ed/i.test(reason)
            ? ": the credentials do not match; NEXUS_TURN_SECRET must be coturn's static-auth-secret"
            : ""
        }`,
      };
    }
    // Released at once: a check holds no relay port.
    await conversation.exchange(request({ realm, nonce }, true)).catch(
      () => {},
    );
    const relayed = answer.getAttribute(
      stun.constants.STUN_ATTR_XOR_RELAYED_ADDRESS,
    )?.value as { address: string; port: number } | undefined;
    const byAddress = target.scheme === "turns" && isIP(target.host) !== 0;
    return {
      ok: true,
      said: `${target.url}: allocation granted${
        target.transport === "tls" ? " over TLS with a valid certificate" : ""
      }${
        relayed ? ` (relayed address ${relayed.address}:${relayed.port})` : ""
      }`,
      warning: byAddress
        ? `${target.url}: Firefox uses a turns: URL only by host name; name the relay by the name its certificate is for`
        : undefined,
    };
  } catch (error) {
    return { ok: false, said: `${target.url}: ${reason(error)}` };
  } finally {
    conversation.close();
  }
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /certificate|cert|self.signed|unknown ca|invalid peer/i.test(message)
    ? `its TLS certificate is not valid here (${message})`
    : message;
}
