// Entry point of `npm run bench -- <name>`: runs the named benchmark, or lists the benchmarks there are.
import { stopAllChildren } from "./children.ts";

interface Benchmark {
  description: string;
  /** Resolves with the exit status: non-zero when the run saw failures. */
  run(): Promise<number>;
}

// Loaded on demand, so listing the benchmarks or running one does not load every other one's dependencies.
const benchmarks: Record<string, Benchmark> = {
  gateway: {
    description:
      "chat-completion throughput and latency direct to a stub, through Custodian, through Portkey",
    run: async () => (await import("./gateway.ts")).run(),
  },
  "gateway-stream": {
    description: "streamed chat completions: added time to first byte and chunk throughput",
    run: async () => (await import("./gateway-stream.ts")).run(),
  },
  "db-writes": {
    description:
      "the rows of one request (record, classification, usage event) as tables grow: random against time-ordered keys",
    run: async () => (await import("./db-writes.ts")).run(),
  },
  crypto: {
    description: "sealing a 1 KiB record and streaming file encryption, against openssl speed",
    run: async () => (await import("./crypto.ts")).run(),
  },
  train: {
    description: "tokens/s and loss curve of the training engine on the demo model recipe",
    run: async () => (await import("./train.ts")).run(),
  },
  inference: {
    description:
      "tokens/s and time to first token of /v1 against node-llama-cpp and llama-server (BENCH_MODEL=real-sized: a 0.5 B model)",
    run: async () => (await import("./inference.ts")).run(),
  },
  footprint: {
    description: "idle memory, memory per open stream and cold start of custodian serve",
    run: async () => (await import("./footprint.ts")).run(),
  },
  scale: {
    description: "conversation listing, purge and key rotation with many conversations (PostgreSQL)",
    run: async () => (await import("./scale.ts")).run(),
  },
  deletion: {
    description: "delete → physically gone (rows purged, tables rewritten, WAL retired) and purge throughput",
    run: async () => (await import("./deletion.ts")).run(),
  },
  backup: {
    description:
      "backup create/restore MB/s and peak RSS against pg_dump | gzip, pg_restore and tar (PostgreSQL)",
    run: async () => (await import("./backup.ts")).run(),
  },
  moderation: {
    description: "built-in moderation classifier: precision and recall on bench/moderation/, µs per KiB",
    run: async () => (await import("./moderation.ts")).run(),
  },
  ingestion: {
    description:
      "text-PDF ingestion in pages/s: extraction on its worker thread plus structure-aware chunking",
    run: async () => (await import("./ingestion.ts")).run(),
  },
  retrieval: {
    description: "hybrid search over 10,000 sealed passages: warm p50/p99, cold, memory; hit rate at 5",
    run: async () => (await import("./retrieval.ts")).run(),
  },
  soak: {
    description: "100 clients mixing chat streams, /v1 calls and uploads: 5xx, lost writes, RSS over time",
    run: async () => (await import("./soak.ts")).run(),
  },
};

benchmarks.all = {
  description: "every benchmark above in turn, then one JSON object whose keys are the benchmarks",
  run: async () =>
    (await import("./all.ts")).runAll(Object.keys(benchmarks).filter((name) => name !== "all")),
};

function listBenchmarks(write: (line: string) => void): void {
  write("Usage: npm run bench -- <name>\n\nBenchmarks:");
  for (const [name, benchmark] of Object.entries(benchmarks))
    write(`  ${name.padEnd(15)} ${benchmark.description}`);
}

// Interrupting a run must not leave servers behind: stop the children, then leave with the usual status.
for (const [signal, status] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping child processes`);
    void stopAllChildren().finally(() => process.exit(status));
  });
}

const name = process.argv[2];
// Own properties only, so that names like "constructor" are unknown rather than found on the prototype.
const benchmark = name !== undefined && Object.hasOwn(benchmarks, name) ? benchmarks[name] : undefined;
if (name === undefined) {
  listBenchmarks(console.log);
} else if (benchmark === undefined) {
  console.error(`Unknown benchmark: ${name}\n`);
  listBenchmarks(console.error);
  process.exitCode = 2;
} else {
  try {
    process.exitCode = await benchmark.run();
  } catch (error) {
    console.error(
      `\nbench ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    await stopAllChildren();
    process.exitCode = 1;
  }
}
