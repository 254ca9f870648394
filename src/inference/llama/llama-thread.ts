// The HTTP thread's side of the llama.cpp worker: one worker thread per process runs every local
// model (one llama.cpp runtime, as before), started with the first model and ended with the last.
// A call is a job sent by message; its text chunks and its answer come back by the call's number,
// and aborting the caller's signal aborts the job in the worker.
import { Worker } from "node:worker_threads";
import {
  fromWire,
  type FromWorker,
  type Job,
  type TokenLogprob,
  type ToolCallDelta,
  type ToWorker,
} from "./llama-protocol.ts";

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
  onText: TextListener | undefined;
  onTool: ((delta: ToolCallDelta) => void) | undefined;
}

/** Streamed text, with its tokens' log probabilities when the request asked for them. */
export type TextListener = (text: string, logprobs?: TokenLogprob[]) => void;

export interface CallListeners {
  signal?: AbortSignal;
  /** Streamed text, as the worker sends it. */
  onText?: TextListener;
  /** Streamed tool-call pieces. */
  onTool?: (delta: ToolCallDelta) => void;
}

/** The error every pending call gets when the worker itself goes away (a crash, or the last model closed). */
export class LlamaWorkerGone extends Error {
  constructor() {
    super("The llama.cpp worker thread ended.");
    this.name = "LlamaWorkerGone";
  }
}

export class LlamaThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextCall = 1;
  #nextModel = 1;
  #users = 0;
  #gone = false;

  constructor() {
    this.#worker = new Worker(new URL("./llama-worker.ts", import.meta.url));
    // Only calls in flight keep the process alive, as the same work on the main thread would.
    this.#worker.unref();
    // The worker sends its messages in batches (llama-worker.ts), in order.
    this.#worker.on("message", (messages: FromWorker[]) => {
      for (const message of messages) this.#receive(message);
    });
    this.#worker.on("error", () => this.#end());
    this.#worker.on("exit", () => this.#end());
  }

  get gone(): boolean {
    return this.#gone;
  }

  /** A handle for one more model on this worker; `leave` when it closes, and the last one out ends the worker. */
  join(): number {
    this.#users += 1;
    return this.#nextModel++;
  }

  async leave(): Promise<void> {
    this.#users -= 1;
    if (this.#users > 0 || this.#gone) return;
    if (shared === this) shared = null;
    this.#gone = true;
    await this.#worker.terminate();
  }

  call<T>(job: Job, options: CallListeners = {}): Promise<T> {
    const { signal, onText, onTool } = options;
    if (this.#gone) return Promise.reject(new LlamaWorkerGone());
    signal?.throwIfAborted();
    const call = this.#nextCall++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => this.#post({ type: "abort", call });
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle = () => {
        signal?.removeEventListener("abort", onAbort);
        this.#pending.delete(call);
        if (this.#pending.size === 0) this.#worker.unref();
      };
      this.#pending.set(call, {
        resolve: (result) => {
          settle();
          resolve(result as T);
        },
        // An aborted call fails with the caller's own reason, as a call on this thread would.
        reject: (error) => {
          settle();
          reject(signal?.aborted ? signal.reason : error);
        },
        onText,
        onTool,
      });
      this.#worker.ref();
      this.#post({ type: "job", call, job });
    });
  }

  #post(message: ToWorker): void {
    if (!this.#gone) this.#worker.postMessage(message);
  }

  #receive(message: FromWorker): void {
    const pending = this.#pending.get(message.call);
    if (!pending) return;
    if (message.type === "text") pending.onText?.(message.text, message.logprobs);
    else if (message.type === "tool") pending.onTool?.(message.delta);
    else if (message.type === "done") pending.resolve(message.result);
    else pending.reject(fromWire(message.error));
  }

  #end(): void {
    this.#gone = true;
    if (shared === this) shared = null;
    for (const pending of [...this.#pending.values()]) pending.reject(new LlamaWorkerGone());
  }
}

let shared: LlamaThread | null = null;

/** The process's worker, started on first use and again after one has ended. */
export function llamaThread(): LlamaThread {
  shared ??= new LlamaThread();
  return shared;
}
