// A latency client of the bench's own: serial and fixed-rate (open-loop) requests with microsecond
// timestamps taken when the request is actually handed to its socket, not when it was queued.
import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import { percentile } from "./load.ts";

export interface RequestSpec {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

export interface Exchange {
  status: number;
  /** Microseconds from the send to the first byte of the body, and to its end. */
  firstByteUs: number;
  totalUs: number;
  /** Server-sent events in the body (lines starting with "data:"); 0 for a plain JSON body. */
  events: number;
  bytes: number;
}

export interface LatencySummary {
  count: number;
  failures: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
}

const microseconds = (from: bigint, to: bigint): number => Number(to - from) / 1000;

/** Keep-alive connections without a cap, so an open-loop client never queues behind a busy socket. */
export function latencyAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
}

/** Counts "data:" at line starts across chunk boundaries. */
function eventCounter(): { feed(chunk: Buffer): void; count(): number } {
  let count = 0;
  let atLineStart = true;
  let partial = "";
  return {
    feed(chunk) {
      const text = partial + chunk.toString("latin1");
      let index = 0;
      for (;;) {
        if (atLineStart && text.startsWith("data:", index)) count += 1;
        const newline = text.indexOf("\n", index);
        if (newline === -1) break;
        index = newline + 1;
        atLineStart = true;
      }
      // A line start whose first bytes are in this chunk and the rest in the next.
      const tail = text.slice(index);
      if (atLineStart && tail.length < 5 && "data:".startsWith(tail)) {
        partial = tail;
      } else {
        partial = "";
        atLineStart = false;
      }
    },
    count: () => count,
  };
}

/**
 * One request. `onSent` receives the hrtime at which the request went to its socket: at once on a
 * reused keep-alive connection, after the connect on a new one.
 */
export function exchange(
  agent: Agent,
  spec: RequestSpec,
  onSent?: (sentAt: bigint) => void,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    let sentAt = 0n;
    const markSent = (): void => {
      sentAt = process.hrtime.bigint();
      onSent?.(sentAt);
    };
    const request = httpRequest(spec.url, { method: spec.method, headers: spec.headers, agent });
    request.once("socket", (socket) => {
      if (socket.connecting) socket.once("connect", markSent);
      else markSent();
    });
    request.once("error", reject);
    request.once("response", (response: IncomingMessage) => {
      let firstByteAt = 0n;
      let bytes = 0;
      const counter = eventCounter();
      response.on("data", (chunk: Buffer) => {
        if (firstByteAt === 0n) firstByteAt = process.hrtime.bigint();
        bytes += chunk.length;
        counter.feed(chunk);
      });
      response.once("error", reject);
      response.once("end", () => {
        const endAt = process.hrtime.bigint();
        resolve({
          status: response.statusCode ?? 0,
          firstByteUs: microseconds(sentAt, firstByteAt === 0n ? endAt : firstByteAt),
          totalUs: microseconds(sentAt, endAt),
          events: counter.count(),
          bytes,
        });
      });
    });
    request.end(spec.body);
  });
}

export function summarise(values: number[], failures: number): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  return {
    count: values.length,
    failures,
    p50Us: percentile(sorted, 0.5),
    p90Us: percentile(sorted, 0.9),
    p99Us: percentile(sorted, 0.99),
    maxUs: sorted.length > 0 ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
  };
}

/** One request at a time for `seconds` (at most `maxCount`): the latency of an idle server. */
export async function serialExchanges(
  spec: RequestSpec,
  seconds: number,
  maxCount = Number.POSITIVE_INFINITY,
): Promise<{ exchanges: Exchange[]; failures: number }> {
  const agent = latencyAgent();
  const exchanges: Exchange[] = [];
  let failures = 0;
  const deadline = performance.now() + seconds * 1000;
  try {
    while (performance.now() < deadline && exchanges.length + failures < maxCount) {
      try {
        const result = await exchange(agent, spec);
        if (result.status >= 200 && result.status < 300) exchanges.push(result);
        else failures += 1;
      } catch {
        failures += 1;
      }
    }
  } finally {
    agent.destroy();
  }
  return { exchanges, failures };
}

export interface FixedRateResult {
  exchanges: Exchange[];
  failures: number;
  /** How late the sends were against their schedule, in microseconds: large lags mean the client fell behind. */
  lag: LatencySummary;
  achievedRate: number;
}

/**
 * Open loop: request i is sent at start + i/rate whether or not earlier ones have been answered, so a
 * slow server meets a queue instead of a politely waiting client. Latency is measured from each actual send.
 */
export async function fixedRateExchanges(
  spec: RequestSpec,
  rate: number,
  seconds: number,
): Promise<FixedRateResult> {
  const agent = latencyAgent();
  const total = Math.max(1, Math.round(rate * seconds));
  const intervalNs = BigInt(Math.round(1e9 / rate));
  const exchanges: Exchange[] = [];
  const lags: number[] = [];
  let failures = 0;
  const pending: Promise<void>[] = [];
  const start = process.hrtime.bigint();
  let lastSentAt = start;
  let sent = 0;
  try {
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = process.hrtime.bigint();
        while (sent < total && start + BigInt(sent) * intervalNs <= now) {
          const scheduled = start + BigInt(sent) * intervalNs;
          sent += 1;
          pending.push(
            exchange(agent, spec, (sentAt) => {
              lags.push(microseconds(scheduled, sentAt));
              if (sentAt > lastSentAt) lastSentAt = sentAt;
            }).then(
              (result) => {
                if (result.status >= 200 && result.status < 300) exchanges.push(result);
                else failures += 1;
              },
              () => {
                failures += 1;
              },
            ),
          );
        }
        if (sent >= total) {
          resolve();
          return;
        }
        // Sleep until the next send is due; timers fire up to about a millisecond late, which the lag shows.
        const wait = Number(start + BigInt(sent) * intervalNs - process.hrtime.bigint()) / 1e6;
        setTimeout(tick, Math.max(0, Math.floor(wait)));
      };
      tick();
    });
    await Promise.all(pending);
  } finally {
    agent.destroy();
  }
  // The rate at which requests went out: sends over the span from the first to the last.
  const sendingSeconds = Number(lastSentAt - start) / 1e9;
  const achievedRate = total > 1 && sendingSeconds > 0 ? (total - 1) / sendingSeconds : Number.NaN;
  return { exchanges, failures, lag: summarise(lags, 0), achievedRate };
}

/** Closed loop: `concurrency` clients, each sending its next request when the last one ends, for `seconds`. */
export async function concurrentExchanges(
  spec: RequestSpec,
  concurrency: number,
  seconds: number,
): Promise<{ exchanges: Exchange[]; failures: number; elapsedSeconds: number }> {
  const agent = latencyAgent();
  const exchanges: Exchange[] = [];
  let failures = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      try {
        const result = await exchange(agent, spec);
        if (result.status >= 200 && result.status < 300) exchanges.push(result);
        else failures += 1;
      } catch {
        failures += 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, client));
  } finally {
    agent.destroy();
  }
  return { exchanges, failures, elapsedSeconds: (performance.now() - started) / 1000 };
}
