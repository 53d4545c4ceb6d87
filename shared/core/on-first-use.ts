/**
 * `make()` once, on the first call, and its promise for every later call; a failure is not kept, so
 * the next call tries again (a module that did not load, a secret that was unreachable).
 */
export function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () =>
    (made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    }));
}
