// Worker threads that run the extraction (extraction-worker.ts), so that parsing a hostile file never
// holds the server: each worker has a memory cap (V8's heap limit; beyond it the worker dies, not the
// process) and each document a deadline, past which its worker is terminated. At most `concurrency`
// documents are read at once, a bounded number wait, and idle workers are kept a while for the next.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ExtractedDocument } from "../document-types.ts";
import { ExtractionFailure, type FailureKind } from "./extraction-failure.ts";
import type { WorkerAnswer, WorkerJob } from "./extraction-worker.ts";

export interface WorkerLimits {
  /** How long one document may take to read, from the moment a worker takes it. */
  deadlineMs: number;
  /** The heap of the worker reading it, in MiB. */
  maxMemoryMb: number;
}

/** A failure the pool met itself: the queue was full (answered as busy). */
export class ExtractionBusy extends Error {}

const workerUrl = new URL("./extraction-worker.ts", import.meta.url);
const idleMs = 60_000;

interface IdleWorker {
  worker: Worker;
  memory: number;
  timer: NodeJS.Timeout;
}

export class ExtractionPool {
  readonly concurrency: number;
  readonly maxQueued: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #idle: IdleWorker[] = [];

  constructor(concurrency = Math.max(1, Math.min(4, availableParallelism() - 1)), maxQueued = 64) {
    this.concurrency = concurrency;
    this.maxQueued = maxQueued;
  }

  stats() {
    return { running: this.#running, queued: this.#waiting.length, idle: this.#idle.length };
  }

  async run(job: WorkerJob, limits: WorkerLimits): Promise<ExtractedDocument> {
    if (this.#running >= this.concurrency) {
      if (this.#waiting.length >= this.maxQueued) throw new ExtractionBusy("extraction queue full");
      // The slot is handed over by the job that ends, so none can be taken in between.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#running += 1;
    try {
      return await this.#runOnWorker(job, limits);
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#running -= 1;
      else next();
    }
  }

  #take(memory: number): Worker {
    const index = this.#idle.findIndex((idle) => idle.memory === memory);
    if (index >= 0) {
      const [idle] = this.#idle.splice(index, 1);
      clearTimeout(idle!.timer);
      return idle!.worker;
    }
    const worker = new Worker(workerUrl, {
      resourceLimits: { maxOldGenerationSizeMb: memory, maxYoungGenerationSizeMb: Math.min(32, memory / 4) },
      stdout: true,
      stderr: true,
    });
    // Libraries' console output (PDF.js warnings) is dropped: it could quote a document.
    worker.stdout.resume();
    worker.stderr.resume();
    // A worker's death is answered by the job that saw it; an idle one's needs no answer.
    worker.on("error", () => undefined);
    return worker;
  }

  #release(worker: Worker, memory: number): void {
    // The longest idle worker makes room (it may be of another memory size).
    if (this.#idle.length >= this.concurrency) {
      const oldest = this.#idle.shift()!;
      clearTimeout(oldest.timer);
      void oldest.worker.terminate();
    }
    worker.unref();
    const timer = setTimeout(() => {
      const index = this.#idle.findIndex((idle) => idle.worker === worker);
      if (index >= 0) this.#idle.splice(index, 1);
      void worker.terminate();
    }, idleMs).unref();
    this.#idle.push({ worker, memory, timer });
  }

  #runOnWorker(job: WorkerJob, limits: WorkerLimits): Promise<ExtractedDocument> {
    const worker = this.#take(limits.maxMemoryMb);
    worker.ref();
    return new Promise((resolve, reject) => {
      const onMessage = (answer: WorkerAnswer) =>
        finish(answer.ok ? { document: answer.document } : { kind: answer.kind }, true);
      // Out of memory (ERR_WORKER_OUT_OF_MEMORY) or any other death: the document is too much to read.
      const onError = (error: Error & { code?: string }) =>
        finish({ kind: error.code === "ERR_WORKER_OUT_OF_MEMORY" ? "tooComplex" : "corrupt" }, false);
      const onExit = () => finish({ kind: "tooComplex" }, false);
      const finish = (outcome: { document: ExtractedDocument } | { kind: FailureKind }, reuse: boolean) => {
        clearTimeout(deadline);
        worker.off("message", onMessage).off("error", onError).off("exit", onExit);
        if (reuse) this.#release(worker, limits.maxMemoryMb);
        else void worker.terminate();
        if ("document" in outcome) resolve(outcome.document);
        else reject(new ExtractionFailure(outcome.kind));
      };
      const deadline = setTimeout(() => finish({ kind: "tooComplex" }, false), limits.deadlineMs);
      worker.on("message", onMessage).on("error", onError).on("exit", onExit);
      worker.postMessage(job);
    });
  }
}
