// Reads benchmark settings from the environment, with checks, so a typo fails loudly instead of measuring nothing.

export function readNumber(
  name: string,
  fallback: number,
  check: (value: number) => boolean,
  rule: string,
): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value))
    throw new Error(`${name}=${raw} is invalid: expected ${rule}`);
  return value;
}

/**
 * The time budget of a benchmark's main measurement, in seconds: `BENCH_DURATION_S` when set, else the
 * benchmark's own default. Benchmarks scale their phases from it so one setting stretches or shrinks a run.
 */
export function durationSeconds(fallback: number): number {
  return readNumber("BENCH_DURATION_S", fallback, (value) => value > 0, "a number of seconds above 0");
}
