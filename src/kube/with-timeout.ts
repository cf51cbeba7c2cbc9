/**
 * Bounds one API call: rejects with an error naming the call when it has not settled after `ms`.
 * The client offers no per-call deadline, so a hung connection would otherwise hold the Rollout's
 * worker forever; the work queue retries the reconcile with backoff.
 */
export async function withTimeout<T>(what: string, ms: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: no answer after ${String(ms / 1000)}s`));
    }, ms);
  });
  try {
    return await Promise.race([call(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
