// The trainer's child process: reads one job on stdin, trains, and reports JSON lines on stdout.
// It is a separate process because any assertion inside llama.cpp aborts the whole process.

import { writeSync } from "node:fs";
import { runTraining } from "./llama-training-run.ts";
import { TrainingJobError } from "./training-job-error.ts";
import { encodeEvent, type TrainingEvent, type TrainingJob } from "./training-protocol.ts";

// Synchronous writes: events are emitted from inside native callbacks, and must reach the parent
// even if native code aborts the process right after.
const parent = process.ppid;
const emit = (event: TrainingEvent) => {
  // Orphaned (the server died or was killed): nobody will use the result, so stop burning cores.
  if (process.ppid !== parent) process.exit(2);
  try {
    writeSync(1, encodeEvent(event));
  } catch {
    process.exit(2); // The parent closed our stdout: same thing.
  }
};

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);

try {
  const job = JSON.parse(Buffer.concat(chunks).toString("utf8")) as TrainingJob;
  await runTraining(job, emit);
  process.exitCode = 0;
} catch (error) {
  // Only codes and fixed messages cross to the parent: native errors never quote the training text.
  if (error instanceof TrainingJobError) emit({ type: "error", code: error.code, message: error.message });
  else {
    emit({ type: "error", code: "training_error", message: "the training process failed" });
    // The parent keeps stderr only as a diagnostic tail; the stack names code locations, not data.
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.name) : "non-error thrown"}\n`);
  }
  process.exitCode = 1;
}
