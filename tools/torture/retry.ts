/**
 * The driver's API calls run through restarts of the API server it is torturing: each is retried
 * (1 s apart, doubling to 5 s) until it succeeds or `timeoutMs` passes.
 */
export async function retrying<T>(what: string, call: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1000;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`${what}: still failing after ${String(timeoutMs / 1000)}s`, { cause: err });
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
