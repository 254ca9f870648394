// Drives one time-bounded autocannon run and reduces it to throughput, latency percentiles and failures.
import autocannon from "autocannon";

export interface LoadOptions {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  /** Completed responses per second over the whole run, whatever their status. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  responses: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /** Count per status code, to report what the non-2xx responses were. */
  statusCodes: Record<string, number>;
  durationSeconds: number;
}

/** Nearest-rank percentile of values sorted ascending. */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  // autocannon's own histogram has 1 ms resolution, too coarse for a local stub answering in well under a
  // millisecond, so latencies are also collected here from each response, in fractional milliseconds.
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method,
        headers: options.headers,
        body: options.body,
        connections: options.connections,
        duration: options.durationSeconds,
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const sorted = Float64Array.from(latencies).sort();
        const statusCodes: Record<string, number> = {};
        for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
          statusCodes[code] = stats.count ?? 0;
        }
        resolve({
          rps: result.requests.total / result.duration,
          p50Ms: percentile(sorted, 0.5),
          p99Ms: percentile(sorted, 0.99),
          responses: result.requests.total,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
          durationSeconds: result.duration,
        });
      },
    );
    // Only successful responses count towards latency, as in autocannon's own statistics.
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}
