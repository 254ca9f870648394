// Waiting for a condition in a test: poll until it holds, with a deadline (no fixed sleeps, so a test
// goes on as soon as it can, and a busy machine only makes it slower, not wrong).
import { setTimeout as sleep } from "node:timers/promises";

export interface WaitOptions {
  /** How long to wait before failing; 90 seconds unless said (generous: a loaded host is slow). */
  timeoutMs?: number;
  /** How long between two checks; 25 ms unless said. */
  intervalMs?: number;
  /** Treat a check that throws as "not yet" (for a server still coming up). */
  ignoreErrors?: boolean;
}

/**
 * Polls `check` until it gives something other than null, undefined or false, and returns that; throws
 * "timed out waiting" once the deadline has passed.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<Exclude<T, null | undefined | false>> {
  const { timeoutMs = 90_000, intervalMs = 25, ignoreErrors = false } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = ignoreErrors
      ? await Promise.resolve()
          .then(check)
          .catch(() => null)
      : await check();
    if (value !== null && value !== undefined && value !== false)
      return value as Exclude<T, null | undefined | false>;
    if (Date.now() > deadline) throw new Error(`timed out waiting (${timeoutMs} ms)`);
    await sleep(intervalMs);
  }
}
