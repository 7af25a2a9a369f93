/**
 * Waiting in tests without fixed sleeps. `eventually` retries a check until it passes (or the
 * time is up, then throws the check's last error); `consistently` runs a check for a whole
 * period and throws the first time it fails: the way to show that something does NOT happen
 * (no delivery to a bystander, no second request) without a bare `setTimeout`.
 */

export interface EventuallyOptions {
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Pause between tries (default 25 ms). */
  readonly intervalMs?: number;
}

export interface ConsistentlyOptions {
  /** How long the check must keep passing (default 500 ms). */
  readonly forMs?: number;
  /** Pause between tries (default 25 ms). */
  readonly intervalMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retries `check` until it returns (or resolves) without throwing; answers its value. */
export async function eventually<T>(check: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 25 }: EventuallyOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    await sleep(intervalMs);
  }
}

/** Runs `check` again and again for `forMs` (at least twice); throws the first failure. */
export async function consistently(check: () => unknown, { forMs = 500, intervalMs = 25 }: ConsistentlyOptions = {}): Promise<void> {
  const deadline = Date.now() + forMs;
  let runs = 0;
  for (;;) {
    await check();
    runs++;
    if (Date.now() >= deadline && runs >= 2) return;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

/**
 * Polls `fn` until it gives a truthy value (a failing call counts as not yet) and answers it;
 * when the time is up, throws "timed out waiting for <what>". For conditions read as values
 * (a status, a list that fills) rather than assertions.
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  { timeoutMs = 15_000, intervalMs = 100 }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(fn)
      .catch(() => undefined);
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** The structure tests' check that only repositories reach the database. */
export { databaseAccessIn, databaseAccessOutsideRepositories, isRepositoryFile, type DatabaseAccess } from './database-access.js';
