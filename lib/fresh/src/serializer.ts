/**
 * Island props travel from the server to the browser as JSON. Signals become
 * `{"_f":"s","v":value}` and are revived as signals; a plain object that has
 * its own `_f` key is written as `{"_f":"l","v":[[key, value], …]}`, so that
 * the reviver, which sees inner values first, never mistakes it for one.
 */

/** The part of a signal the serializer reads. */
interface SignalLike {
  peek(): unknown;
  brand?: symbol;
}

const SIGNAL_BRAND = Symbol.for("preact-signals");

function isSignal(value: unknown): value is SignalLike {
  return typeof value === "object" && value !== null &&
    (value as SignalLike).brand === SIGNAL_BRAND;
}

/** Thrown for a prop that cannot reach the browser (a function, a cycle…). */
export class SerializationError extends Error {}

function encode(value: unknown, path: string, seen: Set<object>): unknown {
  if (
    value === null || typeof value === "string" || typeof value === "boolean"
  ) {
    return value;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new SerializationError(
        `${path} is ${value}, which JSON cannot carry`,
      );
    }
    return value;
  }
  if (typeof value !== "object") {
    throw new SerializationError(
      `${path} is a ${typeof value}; island props must be data`,
    );
  }
  if (seen.has(value)) {
    throw new SerializationError(`${path} refers back to itself`);
  }
  seen.add(value);
  try {
    if (isSignal(value)) {
      return { _f: "s", v: encode(value.peek(), path, seen) };
    }
    if (Array.isArray(value)) {
      return value.map((item, i) => encode(item, `${path}[${i}]`, seen));
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = encode(item, `${path}.${key}`, seen);
    }
    return Object.hasOwn(out, "_f") ? { _f: "l", v: Object.entries(out) } : out;
  } finally {
    seen.delete(value);
  }
}

/**
 * Serializes the props of every island on a page. `<` is escaped so the text
 * can sit inside a `<script>` element.
 */
export function serializeProps(props: unknown[]): string {
  const seen = new Set<object>();
  const encoded = props.map((p, i) => encode(p, `islands[${i}]`, seen));
  return JSON.stringify(encoded).replace(/</g, "\\u003c");
}

/** Revives JSON holding what `serializeProps` wrote, making signals with `makeSignal`. */
export function deserialize(
  text: string,
  makeSignal: (value: unknown) => unknown,
): unknown {
  return JSON.parse(text, (_key, value) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return value;
    }
    if (value._f === "s") return makeSignal(value.v);
    if (value._f === "l") return Object.fromEntries(value.v);
    return value;
  });
}
