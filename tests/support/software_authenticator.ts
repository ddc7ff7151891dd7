/**
 * A WebAuthn authenticator in plain TypeScript, as an attacker holds one:
 * it answers the server's options with real ES256 signatures and real
 * `none` attestations, and lets a test forge any field (the credential id,
 * the user handle's spelling) of what it sends. Test-only.
 */
const encoder = new TextEncoder();

/** Bytes as unpadded base64url, as WebAuthn's JSON carries them. */
export function base64url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

type Cbor = number | string | Uint8Array | Map<number | string, Cbor>;

function cborHead(major: number, length: number): number[] {
  if (length < 24) return [(major << 5) | length];
  if (length < 0x100) return [(major << 5) | 24, length];
  if (length < 0x10000) return [(major << 5) | 25, length >> 8, length & 0xff];
  throw new Error("too long for this encoder");
}

/** CBOR (RFC 8949) of the few types an attestation holds. */
function cbor(value: Cbor): number[] {
  if (typeof value === "number") {
    return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  }
  if (typeof value === "string") {
    const bytes = encoder.encode(value);
    return [...cborHead(3, bytes.length), ...bytes];
  }
  if (value instanceof Uint8Array) {
    return [...cborHead(2, value.length), ...value];
  }
  const out = cborHead(5, value.size);
  for (const [key, item] of value) out.push(...cbor(key), ...cbor(item));
  return out;
}

async function sha256(
  bytes: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** An ECDSA signature as WebAuthn wants it: DER, not WebCrypto's r‖s. */
function der(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const trimmed = bytes.slice(start);
    const padded = trimmed[0] & 0x80 ? [0, ...trimmed] : [...trimmed];
    return [0x02, padded.length, ...padded];
  };
  const body = [...integer(raw.slice(0, 32)), ...integer(raw.slice(32))];
  return new Uint8Array([0x30, body.length, ...body]);
}

/** What a passkey of this authenticator is. */
export interface SoftwarePasskey {
  credentialId: Uint8Array<ArrayBuffer>;
  keys: CryptoKeyPair;
  userId: string;
}

/** The options the server sent, as far as this authenticator reads them. */
interface Options {
  challenge: string;
  rp?: { id: string };
  rpId?: string;
}

/** An authenticator for pages of `origin` (the RP ID is its host name). */
export class SoftwareAuthenticator {
  #counter = 0;
  constructor(readonly origin: string) {}

  get #rpId(): string {
    return new URL(this.origin).hostname;
  }

  #clientData(type: string, challenge: string): Uint8Array<ArrayBuffer> {
    return encoder.encode(JSON.stringify({
      type,
      challenge,
      origin: this.origin,
      crossOrigin: false,
    }));
  }

  /** A new passkey for `userId`, or one that reuses `credentialId` with a new key. */
  async newPasskey(
    userId: string,
    credentialId = crypto.getRandomValues(new Uint8Array(16)),
  ): Promise<SoftwarePasskey> {
    const keys = await crypto.subtle.generateKey(
      { name: "ECDSA", namedCurve: "P-256" },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    return { credentialId, keys, userId };
  }

  /** The registration answer (`navigator.credentials.create`) for `options`. */
  async register(options: Options, passkey: SoftwarePasskey) {
    const jwk = await crypto.subtle.exportKey("jwk", passkey.keys.publicKey);
    const coseKey = new Map<number, Cbor>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Uint8Array.fromBase64(jwk.x!, { alphabet: "base64url" })],
      [-3, Uint8Array.fromBase64(jwk.y!, { alphabet: "base64url" })],
    ]);
    const id = passkey.credentialId;
    const authData = new Uint8Array([
      ...await sha256(encoder.encode(options.rp?.id ?? this.#rpId)),
      0x45, // user present, user verified, attested credential data
      0,
      0,
      0,
      0,
      ...new Uint8Array(16), // AAGUID
      id.length >> 8,
      id.length & 0xff,
      ...id,
      ...cbor(coseKey),
    ]);
    const attestationObject = new Uint8Array(cbor(
      new Map<string, Cbor>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    ));
    const credentialId = base64url(id);
    return {
      id: credentialId,
      rawId: credentialId,
      type: "public-key",
      response: {
        clientDataJSON: base64url(
          this.#clientData("webauthn.create", options.challenge),
        ),
        attestationObject: base64url(attestationObject),
        transports: ["internal"],
      },
      clientExtensionResults: {},
    };
  }

  /**
   * The sign-in answer (`navigator.credentials.get`) for `options`, signed
   * by `passkey`; `userHandle` replaces the handle's spelling.
   */
  async signIn(
    options: Options,
    passkey: SoftwarePasskey,
    userHandle = base64url(encoder.encode(passkey.userId)),
  ) {
    const authenticatorData = new Uint8Array([
      ...await sha256(encoder.encode(options.rpId ?? this.#rpId)),
      0x05, // user present, user verified
      0,
      0,
      0,
      ++this.#counter,
    ]);
    const clientDataJSON = this.#clientData(
      "webauthn.get",
      options.challenge,
    );
    const signed = new Uint8Array([
      ...authenticatorData,
      ...await sha256(clientDataJSON),
    ]);
    const signature = new Uint8Array(
      await crypto.subtle.sign(
        { name: "ECDSA", hash: "SHA-256" },
        passkey.keys.privateKey,
        signed,
      ),
    );
    const credentialId = base64url(passkey.credentialId);
    return {
      id: credentialId,
      rawId: credentialId,
      type: "public-key",
      response: {
        clientDataJSON: base64url(clientDataJSON),
        authenticatorData: base64url(authenticatorData),
        signature: base64url(der(signature)),
        userHandle,
      },
      clientExtensionResults: {},
    };
  }
}
