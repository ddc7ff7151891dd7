/**
 * The one table of malformed client frames: each frame, what is wrong with
 * it, and the error code it must get. The protocol's unit test parses each;
 * the security test sends each over a real socket beside a live call.
 * @module
 */
import { type ErrorCode, MAX_FRAME_BYTES } from "../../lib/wire/protocol.ts";

/** A frame with a JSON envelope of this type and payload. */
export function frame(type: unknown, payload?: unknown): string {
  return JSON.stringify({ type, payload });
}

const end = (to: unknown) => frame("call:end", { to });

/** What is wrong, the text frame, and the error code it gets. */
export type BadFrame = [name: string, frame: string, code: ErrorCode];

/** Every way a text frame can be malformed, with the error each gets. */
export const BAD_FRAMES: BadFrame[] = [
  ["malformed JSON", "{", "invalid-json"],
  ["truncated JSON", '{"type":"call:end"', "invalid-json"],
  ["empty frame", "", "invalid-json"],
  ["a number", "42", "invalid-message"],
  ["an array", "[1,2]", "invalid-message"],
  ["null", "null", "invalid-message"],
  ["a string", '"call:end"', "invalid-message"],
  ["no type", JSON.stringify({ payload: { to: "bob" } }), "invalid-message"],
  ["numeric type", frame(7, { to: "bob" }), "invalid-message"],
  ["null type", frame(null, { to: "bob" }), "invalid-message"],
  ["unknown type", frame("call:teleport", { to: "bob" }), "unknown-type"],
  ["__proto__ type", frame("__proto__", {}), "unknown-type"],
  ["constructor type", frame("constructor", {}), "unknown-type"],
  ["no payload", frame("call:end"), "invalid-message"],
  ["payload array", frame("call:end", ["bob"]), "invalid-message"],
  ["payload string", frame("call:end", "bob"), "invalid-message"],
  ["missing to", frame("call:end", {}), "invalid-message"],
  ["numeric to", end(5), "invalid-message"],
  ["empty id", end(""), "invalid-message"],
  ["65-character id", end("b".repeat(65)), "invalid-message"],
  ["id with a space", end("bob smith"), "invalid-message"],
  ["id with a right-to-left override", end("bob\u202e"), "invalid-message"],
  ["id with an emoji", end("bob😀"), "invalid-message"],
  ["id with a NUL", end("bob\u0000"), "invalid-message"],
  [
    "hasVideo a string",
    frame("call:request", { to: "carol", hasVideo: "yes", hasAudio: true }),
    "invalid-message",
  ],
  [
    "response without accepted",
    frame("call:response", { to: "carol" }),
    "invalid-message",
  ],
  [
    "unknown reason",
    frame("call:end", { to: "bob", reason: "bored" }),
    "invalid-message",
  ],
  ["offer missing", frame("webrtc:offer", { to: "bob" }), "invalid-message"],
  [
    "offer without type",
    frame("webrtc:offer", { to: "bob", offer: { sdp: "v=0" } }),
    "invalid-message",
  ],
  [
    "SDP over 60,000 characters",
    frame("webrtc:offer", {
      to: "bob",
      offer: { type: "offer", sdp: "x".repeat(60_001) },
    }),
    "invalid-message",
  ],
  [
    "candidate a string",
    frame("webrtc:candidate", { to: "bob", candidate: "c" }),
    "invalid-message",
  ],
  [
    "candidate over 2,048 characters",
    frame("webrtc:candidate", {
      to: "bob",
      candidate: { candidate: "c".repeat(2_049) },
    }),
    "invalid-message",
  ],
  [
    "negative m-line index",
    frame("webrtc:candidate", { to: "bob", candidate: { sdpMLineIndex: -1 } }),
    "invalid-message",
  ],
  [
    "from an object",
    frame("call:end", { to: "bob", from: { id: "alice" } }),
    "invalid-message",
  ],
  [
    "5,000 unknown fields",
    frame("call:end", {
      to: "bob",
      ...Object.fromEntries(
        Array.from({ length: 5_000 }, (_, i) => [`f${i}`, i]),
      ),
    }),
    "invalid-message",
  ],
  [
    "nested 5,000 deep",
    frame("call:end", {
      to: "bob",
      deep: JSON.parse("[".repeat(5_000) + "]".repeat(5_000)),
    }),
    "invalid-message",
  ],
  [
    "over 64 KiB",
    frame("call:end", { to: "bob", pad: "x".repeat(MAX_FRAME_BYTES) }),
    "too-large",
  ],
  [
    "over 64 KiB in multibyte characters",
    frame("call:end", { to: "bob", pad: "é".repeat(MAX_FRAME_BYTES / 2) }),
    "too-large",
  ],
];
