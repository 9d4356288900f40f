/** Polling for tests that wait on another process (a server, pg_cron, a child) to get somewhere. */

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined, null or false,
 * and returns that value; fails naming `what` once `timeoutMs` have passed.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 30_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
