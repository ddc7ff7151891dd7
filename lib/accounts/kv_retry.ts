/**
 * Deno KV over a SQLite file that another process also opens (`deno task
 * invite` beside the server): SQLite waits 5 s for a lock the other holds,
 * then fails with "database is locked". A person's sign-in must not fail
 * for an operator's command, so each operation is tried again, twice, after
 * a short pause. A failed write wrote nothing, so trying it again is safe.
 * @module
 */

/** Attempts of one operation in all. */
const ATTEMPTS = 3;
/** The pause before the next attempt. */
const PAUSE_MS = 100;

function locked(error: unknown): boolean {
  return error instanceof Error && /database is locked/i.test(error.message);
}

/** `operation`, tried again while the database is locked by another process. */
export async function whileLocked<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= ATTEMPTS || !locked(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  }
}

/** Lists `selector`, starting over while the database is locked before anything was read. */
async function* listed<T>(
  kv: Deno.Kv,
  selector: Deno.KvListSelector,
  options?: Deno.KvListOptions,
): AsyncGenerator<Deno.KvEntry<T>> {
  for (let attempt = 1;; attempt++) {
    let yielded = false;
    try {
      for await (const entry of kv.list<T>(selector, options)) {
        yielded = true;
        yield entry;
      }
      return;
    } catch (error) {
      if (yielded || attempt >= ATTEMPTS || !locked(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  }
}

/** `kv`, whose reads, writes, lists and atomic commits wait out another process's lock. */
export function lockTolerant(kv: Deno.Kv): Deno.Kv {
  return new Proxy(kv, {
    get(target, name) {
      switch (name) {
        case "get":
        case "getMany":
        case "set":
        case "delete":
          return (...args: unknown[]) =>
            whileLocked(() =>
              (target[name] as (...a: unknown[]) => Promise<unknown>).apply(
                target,
                args,
              )
            );
        case "list":
          return (
            selector: Deno.KvListSelector,
            options?: Deno.KvListOptions,
          ) => listed(target, selector, options);
        case "atomic":
          return () => {
            const operation = target.atomic();
            const commit = operation.commit.bind(operation);
            operation.commit = () => whileLocked(commit);
            return operation;
          };
        default: {
          const value = Reflect.get(target, name, target);
          return typeof value === "function" ? value.bind(target) : value;
        }
      }
    },
  });
}
