/**
 * Retries `check` until it passes or `timeoutMs` runs out, then rethrows its
 * last failure: for effects that arrive asynchronously (a notification, a
 * reconnection), without a fixed sleep. Returns how long it took.
 */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 5_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
