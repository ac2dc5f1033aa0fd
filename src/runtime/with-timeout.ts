/** What `withTimeout` rejects with when the work takes too long. */
export class TimedOutError extends Error {
  constructor(readonly what: string, readonly ms: number) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'TimedOutError';
  }
}

/**
 * `work`, or a `TimedOutError` once `ms` have passed without it settling.
 * The work itself is not cancelled; its late outcome is ignored.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimedOutError(what, ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
