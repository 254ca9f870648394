// The streaming gateway benchmark: time to first byte and chunk throughput of streamed chat completions,
// direct to a stub that streams a fixed number of chunks, through Custodian and through Portkey.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  readTargets,
  startStub,
  startTarget,
  verifyTarget,
  type Target,
  type TargetName,
} from "./gateway.ts";
import {
  concurrentExchanges,
  serialExchanges,
  summarise,
  type LatencySummary,
  type RequestSpec,
} from "./open-loop.ts";
import { cpuMicroseconds } from "./process-cpu.ts";
import { monotonicMicroseconds, profileWindowFile } from "./profile-summary.ts";
import { durationSeconds, readNumber } from "./settings.ts";
import { STREAM_CHUNKS_VARIABLE, STREAM_INTERVAL_VARIABLE, STUB_MODEL } from "./stub-upstream.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("gateway-stream");

interface Settings {
  chunks: number;
  concurrency: number;
  serialSeconds: number;
  throughputSeconds: number;
  /** Concurrent streams before anything is measured, as the gateway benchmark warms up (bench/gateway.ts). */
  warmupSeconds: number;
  targets: TargetName[];
}

interface Measurement {
  name: TargetName;
  firstByte: LatencySummary;
  /** Whole stream, one at a time. */
  total: LatencySummary;
  /** Server-sent events per response as the client received them. */
  eventsPerResponse: number;
  /** Events per second with `concurrency` streams at once. */
  eventsPerSecond: number;
  streamsPerSecond: number;
  /** CPU time (user + system, every thread of the serving process) per stream of the concurrent phase. */
  cpuUsPerStream: number | null;
  failures: number;
}

function readSettings(): Settings {
  const seconds = durationSeconds(5);
  return {
    chunks: readNumber(
      "BENCH_STREAM_CHUNKS",
      100,
      (value) => Number.isInteger(value) && value > 0,
      "a whole number above 0",
    ),
    concurrency: readNumber(
      "BENCH_CONNECTIONS",
      8,
      (value) => Number.isInteger(value) && value > 0,
      "a whole number above 0",
    ),
    serialSeconds: Math.max(1, seconds * 0.6),
    throughputSeconds: Math.max(1, seconds),
    warmupSeconds: readNumber("BENCH_WARMUP_S", 10, (value) => value >= 0, "a number of seconds, 0 or more"),
    targets: readTargets(),
  };
}

async function measure(target: Target, settings: Settings): Promise<Measurement> {
  const spec: RequestSpec = {
    url: target.url,
    method: "POST",
    headers: target.headers,
    body: JSON.stringify({ model: STUB_MODEL, stream: true, messages: [{ role: "user", content: "hi" }] }),
  };
  progress(`${target.name}: warming up for ${settings.warmupSeconds} s`);
  await serialExchanges(spec, 0.5);
  if (settings.warmupSeconds > 0)
    await concurrentExchanges(spec, settings.concurrency, settings.warmupSeconds);
  progress(`${target.name}: one stream at a time for ${settings.serialSeconds} s`);
  const serial = await serialExchanges(spec, settings.serialSeconds);
  progress(`${target.name}: ${settings.concurrency} streams at once for ${settings.throughputSeconds} s`);
  const cpuBefore = await cpuMicroseconds(target.pid);
  const startUs = monotonicMicroseconds();
  const concurrent = await concurrentExchanges(spec, settings.concurrency, settings.throughputSeconds);
  const cpuAfter = await cpuMicroseconds(target.pid);
  // With BENCH_CPU_PROF_DIR, profile-summary.ts counts only this throughput phase's samples.
  const profileDirectory = process.env.BENCH_CPU_PROF_DIR;
  if (profileDirectory && target.name === "custodian") {
    mkdirSync(profileDirectory, { recursive: true });
    const window = { start_us: startUs, end_us: monotonicMicroseconds() };
    writeFileSync(path.join(profileDirectory, profileWindowFile), JSON.stringify(window));
  }
  const events = concurrent.exchanges.reduce((sum, exchange) => sum + exchange.events, 0);
  const serialEvents = serial.exchanges.reduce((sum, exchange) => sum + exchange.events, 0);
  return {
    name: target.name,
    firstByte: summarise(
      serial.exchanges.map((exchange) => exchange.firstByteUs),
      serial.failures,
    ),
    total: summarise(
      serial.exchanges.map((exchange) => exchange.totalUs),
      serial.failures,
    ),
    eventsPerResponse: serial.exchanges.length > 0 ? serialEvents / serial.exchanges.length : 0,
    eventsPerSecond: events / concurrent.elapsedSeconds,
    streamsPerSecond: concurrent.exchanges.length / concurrent.elapsedSeconds,
    cpuUsPerStream:
      cpuBefore === null || cpuAfter === null || concurrent.exchanges.length === 0
        ? null
        : (cpuAfter - cpuBefore) / concurrent.exchanges.length,
    failures: serial.failures + concurrent.failures,
  };
}

export async function run(): Promise<number> {
  const settings = readSettings();
  const stub = await startStub({
    [STREAM_CHUNKS_VARIABLE]: String(settings.chunks),
    [STREAM_INTERVAL_VARIABLE]: "0",
  });
  progress(`stub upstream streaming ${settings.chunks} chunks on 127.0.0.1:${stub.port}`);
  const measurements: Measurement[] = [];
  try {
    // One target at a time, each stopped before the next starts, so they never compete for the CPU.
    for (const name of settings.targets) {
      const target = await startTarget(name, stub.port, stub.service.child.pid);
      try {
        await verifyTarget(target);
        measurements.push(await measure(target, settings));
      } finally {
        await target.stop();
      }
    }
  } finally {
    await stub.service.stop();
  }

  const direct = measurements.find((measurement) => measurement.name === "direct");
  const ms = (microseconds: number): string => (microseconds / 1000).toFixed(3);
  printTable(
    `Streaming benchmark: ${settings.chunks} content chunks per stream (plus role, finish and [DONE]); ` +
      `serial for ${settings.serialSeconds} s, then ${settings.concurrency} concurrent streams for ` +
      `${settings.throughputSeconds} s, Node ${process.version}`,
    [
      "target",
      "streams",
      "TTFB p50 ms",
      "added",
      "TTFB p99 ms",
      "stream p50 ms",
      "events/stream",
      "events/s",
      "vs direct",
      "CPU µs/stream",
      "failures",
    ],
    measurements.map((measurement) => [
      measurement.name,
      String(measurement.firstByte.count),
      ms(measurement.firstByte.p50Us),
      direct ? ms(measurement.firstByte.p50Us - direct.firstByte.p50Us) : "-",
      ms(measurement.firstByte.p99Us),
      ms(measurement.total.p50Us),
      measurement.eventsPerResponse.toFixed(1),
      measurement.eventsPerSecond.toFixed(0),
      direct && direct.eventsPerSecond > 0
        ? (measurement.eventsPerSecond / direct.eventsPerSecond).toFixed(3)
        : "-",
      measurement.cpuUsPerStream === null ? "-" : measurement.cpuUsPerStream.toFixed(0),
      String(measurement.failures),
    ]),
  );

  let failed = false;
  for (const measurement of measurements) {
    if (measurement.failures > 0) {
      failed = true;
      console.log(`FAILED ${measurement.name}: ${measurement.failures} failed streams`);
    }
    if (direct && Math.abs(measurement.eventsPerResponse - direct.eventsPerResponse) > 0.5) {
      console.log(
        `NOTE ${measurement.name}: ${measurement.eventsPerResponse.toFixed(1)} events per stream against ` +
          `${direct.eventsPerResponse.toFixed(1)} direct (the gateway re-frames or drops chunks)`,
      );
    }
  }
  const summary: Record<string, unknown> = { chunks: settings.chunks, concurrency: settings.concurrency };
  for (const measurement of measurements) {
    summary[measurement.name] = {
      ttfb_p50_ms: round(measurement.firstByte.p50Us / 1000, 3),
      ttfb_p99_ms: round(measurement.firstByte.p99Us / 1000, 3),
      added_ttfb_p50_ms: direct
        ? round((measurement.firstByte.p50Us - direct.firstByte.p50Us) / 1000, 3)
        : null,
      stream_p50_ms: round(measurement.total.p50Us / 1000, 3),
      events_per_stream: round(measurement.eventsPerResponse, 1),
      events_per_s: round(measurement.eventsPerSecond, 0),
      streams_per_s: round(measurement.streamsPerSecond, 1),
      cpu_us_per_stream: measurement.cpuUsPerStream === null ? null : round(measurement.cpuUsPerStream, 0),
      throughput_vs_direct:
        direct && direct.eventsPerSecond > 0
          ? round(measurement.eventsPerSecond / direct.eventsPerSecond, 3)
          : null,
    };
  }
  console.log(JSON.stringify(summary));
  return failed ? 1 : 0;
}
