/**
 * `promise`'s value, or `'timeout'` once `ms` have passed without it settling. The timer is cleared
 * either way; a rejection of `promise` passes through. The promise itself carries on: this only stops
 * waiting for it (drains at shutdown, answering before a slow broker acknowledged).
 */
export function withTimeout<T>(promise: PromiseLike<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
