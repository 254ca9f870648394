// PLAT-2: one round of live probes. Each probe runs alone, bounded in time (its signal is aborted and
// its result recorded as failed when the time is up), and its result keeps what it checked and why it
// failed, in words: a probe's error messages name settings, counts and ids, never content, and an
// error that is not a probe's own is recorded by its name only.
import type { ProbeResult } from "../privacy/trust-report.ts";
import { ProbeFailure, ProbeSkipped, type Probe, type ProbeContext } from "./probe.ts";

/** A probe that has not finished in this long has failed. */
export const probeTimeoutMs = 90_000;

async function runOne(
  probe: Probe,
  context: Omit<ProbeContext, "signal">,
  trigger: ProbeResult["trigger"],
  timeoutMs: number,
): Promise<ProbeResult> {
  const started = new Date();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ProbeFailure(`did not finish within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    // Referenced, unlike most timers here: it keeps a CLI process alive while its probe waits on
    // work that holds no reference of its own (a batch's short, unreferenced delay).
  });
  let status: ProbeResult["status"] = "passed";
  let checks: string[] = [];
  let failure: string | null = null;
  try {
    checks = await Promise.race([probe.run({ ...context, signal: controller.signal }), timeout]);
  } catch (error) {
    if (error instanceof ProbeSkipped) status = "skipped";
    else status = "failed";
    failure =
      error instanceof ProbeFailure || error instanceof ProbeSkipped
        ? error.message
        : `the probe could not run (${error instanceof Error ? error.name : "unknown error"})`;
  } finally {
    clearTimeout(timer);
  }
  return {
    probe: probe.name,
    commitments: [...probe.commitments],
    status,
    trigger,
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    checks,
    failure,
  };
}

/** Run `probes` one after another; resolves to every result, failed ones included. */
export async function runProbes(
  probes: readonly Probe[],
  context: Omit<ProbeContext, "signal">,
  trigger: ProbeResult["trigger"],
  timeoutMs = probeTimeoutMs,
): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  for (const probe of probes) results.push(await runOne(probe, context, trigger, timeoutMs));
  return results;
}
