// The encryption benchmark: sealing a 1 KiB record with src/crypto/aead.ts, and streaming file encryption
// with src/files/sealed-chunks.ts, against `openssl speed -evp aes-256-gcm` at 64 KiB on the same machine.
import { execFile } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { open, seal, type Binding } from "../src/crypto/aead.ts";
import { sealChunks } from "../src/files/sealed-chunks.ts";
import { durationSeconds } from "./settings.ts";
import { printTable, progressFor, round } from "./table.ts";

const progress = progressFor("crypto");
const run64KiB = 64 * 1024;
const binding: Binding = {
  table: "api_records",
  row: "rec_0123456789abcdefghijklmn",
  organization: "org_bench",
};

/**
 * Wall-clock and CPU time (user + system of this process) of a stretch of work. On a shared machine the
 * wall clock also counts the time other processes held the core; CPU time does not, and it is what
 * `openssl speed` reports by default (user time only), so the comparison with openssl is made on CPU
 * time. Ours counts system time too, the stricter measure: allocations that fault pages in cost us.
 */
interface Timing {
  wallSeconds: number;
  cpuSeconds: number;
}

function startClock(): () => Timing {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return {
      wallSeconds: Number(process.hrtime.bigint() - wall) / 1e9,
      cpuSeconds: (used.user + used.system) / 1e6,
    };
  };
}

interface PerCall {
  wallMicroseconds: number;
  cpuMicroseconds: number;
  calls: number;
}

/** Runs `operation` in rounds until `seconds` have passed; returns microseconds per call. */
function timePerCall(operation: () => void, seconds: number): PerCall {
  // A short warm-up, so the first measured calls are not the ones that compile the code.
  for (let index = 0; index < 2000; index += 1) operation();
  let calls = 0;
  const stop = startClock();
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    for (let index = 0; index < 1000; index += 1) operation();
    calls += 1000;
  }
  const timing = stop();
  return {
    wallMicroseconds: (timing.wallSeconds * 1e6) / calls,
    cpuMicroseconds: (timing.cpuSeconds * 1e6) / calls,
    calls,
  };
}

interface Throughput {
  /** Bytes per second of wall-clock time, and of CPU time. */
  wall: number;
  cpu: number;
}

const throughputOf = (bytes: number, timing: Timing): Throughput => ({
  wall: bytes / timing.wallSeconds,
  cpu: bytes / timing.cpuSeconds,
});

/**
 * Streams `totalBytes` of 64 KiB pieces through the product's chunked file sealing; returns bytes per
 * second. Each record comes as its pieces, as a blob store takes it; they are counted, not written.
 */
async function sealedChunksThroughput(totalBytes: number): Promise<Throughput> {
  const key = randomBytes(32);
  const piece = randomBytes(run64KiB);
  const pieces = Math.ceil(totalBytes / run64KiB);
  function* source(): Generator<Buffer> {
    for (let index = 0; index < pieces; index += 1) yield piece;
  }
  let sealed = 0;
  const stop = startClock();
  for await (const record of sealChunks(key, { ...binding, table: "files" }, source()))
    for (const part of record) sealed += part.length;
  const timing = stop();
  if (sealed < pieces * run64KiB) throw new Error("sealChunks returned less than it was given");
  return throughputOf(pieces * run64KiB, timing);
}

/** One AES-256-GCM cipher over the whole stream, 64 KiB per update: Node's ceiling for streaming encryption. */
function oneCipherThroughput(totalBytes: number): Throughput {
  const piece = randomBytes(run64KiB);
  const pieces = Math.ceil(totalBytes / run64KiB);
  const stop = startClock();
  const cipher = createCipheriv("aes-256-gcm", randomBytes(32), randomBytes(12));
  for (let index = 0; index < pieces; index += 1) cipher.update(piece);
  cipher.final();
  cipher.getAuthTag();
  return throughputOf(pieces * run64KiB, stop());
}

/** Measured rounds of each streaming path after its warm-up round. */
const streamingRounds = 5;

/** The round with the median CPU throughput (its wall-clock figure comes with it). */
function medianRound(rounds: readonly Throughput[]): Throughput {
  const sorted = [...rounds].sort((one, other) => one.cpu - other.cpu);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (!middle) throw new Error("no rounds were measured");
  return middle;
}

/**
 * `openssl speed -evp aes-256-gcm` at 64 KiB, in bytes per second. Its table ends with a line such as
 * "AES-256-GCM  3300000.00k": thousands of bytes per second.
 */
async function opensslThroughput(
  seconds: number,
): Promise<{ bytesPerSecond: number | null; version: string | null }> {
  const run = promisify(execFile);
  try {
    const version = (await run("openssl", ["version"])).stdout.trim();
    const { stdout } = await run("openssl", [
      "speed",
      "-evp",
      "aes-256-gcm",
      "-bytes",
      String(run64KiB),
      "-seconds",
      String(Math.max(1, Math.round(seconds))),
    ]);
    const line = stdout
      .split("\n")
      .reverse()
      .find((text) => /^aes-256-gcm\s/i.test(text.trim()));
    const match = line ? /([\d.]+)k\s*$/.exec(line.trim()) : null;
    return { bytesPerSecond: match ? Number(match[1]) * 1000 : null, version };
  } catch (error) {
    progress(`openssl speed failed: ${error instanceof Error ? error.message : String(error)}`);
    return { bytesPerSecond: null, version: null };
  }
}

export async function run(): Promise<number> {
  const seconds = durationSeconds(6);
  const phase = seconds / 6;
  const key = randomBytes(32);
  const record = randomBytes(1024);

  progress(`sealing 1 KiB records for ${phase.toFixed(1)} s`);
  const sealing = timePerCall(() => seal(key, 1, binding, record), phase);
  const sealed = seal(key, 1, binding, record);
  progress(`opening 1 KiB records for ${phase.toFixed(1)} s`);
  const opening = timePerCall(() => open(key, binding, sealed), phase);
  progress(`a bare AES-256-GCM message of 1 KiB (nonce, cipher, tag) for ${phase.toFixed(1)} s`);
  const bare = timePerCall(() => {
    const cipher = createCipheriv("aes-256-gcm", key, randomBytes(12));
    cipher.update(record);
    cipher.final();
    cipher.getAuthTag();
  }, phase);

  // About one phase of data at a few GB/s; at least 256 MiB so a run is not all start-up.
  const totalBytes = 256 * 1024 * 1024;
  // The first stretch of a process pays for compiling the code and for growing the heap the 64 KiB
  // output buffers live in (page faults: a third or more of that round's CPU is system time), and
  // runs at a quarter of the later speed or less; openssl, compiled and reusing one buffer, never
  // pays it. Measured first and alone, sealChunks paid it and the one-cipher row, run after it, did
  // not. So each path gets a warm-up round, then they take turns, and each reports its median round:
  // the same heap for both, and a steady state, as openssl's figure is. The first round is shown apart.
  progress(
    `streaming 256 MiB through sealChunks (64 KiB pieces in) and through one cipher: a warm-up round, then ${streamingRounds} rounds each, in turn`,
  );
  const firstRound = await sealedChunksThroughput(totalBytes);
  oneCipherThroughput(totalBytes);
  const chunkedRounds: Throughput[] = [];
  const oneCipherRounds: Throughput[] = [];
  for (let turn = 0; turn < streamingRounds; turn += 1) {
    chunkedRounds.push(await sealedChunksThroughput(totalBytes));
    oneCipherRounds.push(oneCipherThroughput(totalBytes));
  }
  const chunked = medianRound(chunkedRounds);
  const oneCipher = medianRound(oneCipherRounds);
  const listed = (rounds: readonly Throughput[]) =>
    rounds.map((one) => (one.cpu / 1e9).toFixed(2)).join(", ");
  progress(
    `GB/s of CPU by round: sealChunks ${(firstRound.cpu / 1e9).toFixed(2)} (warm-up), ${listed(chunkedRounds)}; ` +
      `one cipher ${listed(oneCipherRounds)}`,
  );
  progress(`openssl speed -evp aes-256-gcm -bytes 65536 for ${Math.max(1, Math.round(phase * 2))} s`);
  const openssl = await opensslThroughput(phase * 2);

  const gigabytes = (bytesPerSecond: number | null): string =>
    bytesPerSecond === null ? "-" : (bytesPerSecond / 1e9).toFixed(3);
  const share = (bytesPerSecond: number): number | null =>
    openssl.bytesPerSecond ? bytesPerSecond / openssl.bytesPerSecond : null;
  const perCallRow = (label: string, result: PerCall): string[] => [
    label,
    result.cpuMicroseconds.toFixed(2),
    result.wallMicroseconds.toFixed(2),
    String(result.calls),
  ];
  printTable(
    `Record sealing (1 KiB, src/crypto/aead.ts), Node ${process.version}`,
    ["operation", "CPU µs/op", "wall µs/op", "ops"],
    [
      perCallRow("aead.seal", sealing),
      perCallRow("aead.open", opening),
      perCallRow("bare AES-256-GCM", bare),
    ],
  );
  const throughputRow = (label: string, result: Throughput): string[] => [
    label,
    gigabytes(result.cpu),
    gigabytes(result.wall),
    share(result.cpu)?.toFixed(3) ?? "-",
  ];
  printTable(
    `Streaming encryption, 64 KiB pieces in (${openssl.version ?? "openssl unavailable"})`,
    ["path", "GB/s of CPU", "GB/s wall", "vs openssl (CPU)"],
    [
      throughputRow("files/sealed-chunks (1 MiB records)", chunked),
      throughputRow("  the same, first round of the process", firstRound),
      throughputRow("one AES-256-GCM cipher, 64 KiB updates", oneCipher),
      ["openssl speed -evp aes-256-gcm 64 KiB", gigabytes(openssl.bytesPerSecond), "-", "1.000"],
    ],
  );
  console.log(
    "(sealChunks regroups its input into 1 MiB records, one cipher per record, each bound to its index. " +
      "All three encrypt 64 KiB per cipher update from one reused input buffer; the Node rows are medians of " +
      `${streamingRounds} rounds after a warm-up round. openssl speed divides by its ` +
      "user CPU time (its system time is a few percent of that: it reuses one output buffer); the Node rows " +
      "divide by user + system CPU time, so page faults from their fresh output buffers count against them)",
  );
  const maybe = (value: number | null, decimals: number): number | null =>
    value === null ? null : round(value, decimals);
  console.log(
    JSON.stringify({
      seal_1kib_cpu_us: round(sealing.cpuMicroseconds, 2),
      seal_1kib_wall_us: round(sealing.wallMicroseconds, 2),
      open_1kib_cpu_us: round(opening.cpuMicroseconds, 2),
      bare_gcm_1kib_cpu_us: round(bare.cpuMicroseconds, 2),
      sealed_chunks_gb_s_cpu: round(chunked.cpu / 1e9, 3),
      sealed_chunks_gb_s_wall: round(chunked.wall / 1e9, 3),
      sealed_chunks_first_round_gb_s_cpu: round(firstRound.cpu / 1e9, 3),
      one_cipher_gb_s_cpu: round(oneCipher.cpu / 1e9, 3),
      one_cipher_gb_s_wall: round(oneCipher.wall / 1e9, 3),
      openssl_gb_s: maybe(openssl.bytesPerSecond === null ? null : openssl.bytesPerSecond / 1e9, 3),
      sealed_chunks_vs_openssl: maybe(share(chunked.cpu), 3),
      one_cipher_vs_openssl: maybe(share(oneCipher.cpu), 3),
      openssl_version: openssl.version,
    }),
  );
  return 0;
}
