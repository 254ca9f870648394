// The entry of the llama.cpp worker thread: it loads the process's local models and runs their jobs,
// so the thread that serves HTTP never tokenises, renders a template or samples. Jobs arrive by
// message with a call number; text chunks, the result or the error go back with the same number.
import { parentPort } from "node:worker_threads";
import { errors } from "../../core/errors.ts";
import { LlamaEngine } from "./llama-engine.ts";
import { toWire, type FromWorker, type Job, type ToolCallDelta, type ToWorker } from "./llama-protocol.ts";
import type { TextListener } from "./llama-thread.ts";

const port = parentPort;
if (!port) throw new Error("llama-worker.ts runs only as a worker thread.");

const engines = new Map<number, LlamaEngine>();
const running = new Map<number, AbortController>();

/**
 * Messages wait here for the end of the current turn of this thread's event loop and then cross in one
 * `postMessage`: when a decode step gives tokens to several sequences at once, their text chunks cost
 * one message, one structured clone and one wake-up of the HTTP thread instead of one each. Order is
 * kept, so a call's text always arrives before its answer.
 */
let outbox: FromWorker[] = [];

function flush(): void {
  const messages = outbox;
  outbox = [];
  port!.postMessage(messages);
}

function send(message: FromWorker): void {
  if (outbox.length === 0) setImmediate(flush);
  outbox.push(message);
}

function engine(model: number): LlamaEngine {
  const found = engines.get(model);
  if (!found) throw errors.modelUnavailable("local model");
  return found;
}

async function run(call: number, job: Job, signal: AbortSignal): Promise<unknown> {
  const onText: TextListener = (text, logprobs) =>
    send({ type: "text", call, text, ...(logprobs ? { logprobs } : {}) });
  const onTool = (delta: ToolCallDelta) => send({ type: "tool", call, delta });
  switch (job.type) {
    case "load": {
      const { engine: loaded, facts } = await LlamaEngine.load(job.settings);
      engines.set(job.model, loaded);
      return facts;
    }
    case "chat":
      return engine(job.model).chat(
        job.request,
        signal,
        job.stream ? { onText, onTool } : {},
        job.followers ?? 0,
      );
    case "complete":
      return engine(job.model).complete(
        job.request,
        job.prompt,
        signal,
        job.stream ? onText : undefined,
        job.followers ?? 0,
      );
    case "embed":
      return engine(job.model).embed(job.input, job.dimensions, signal);
    case "unload": {
      const loaded = engines.get(job.model);
      engines.delete(job.model);
      await loaded?.close();
      return null;
    }
  }
}

port.on("message", (message: ToWorker) => {
  if (message.type === "abort") {
    running.get(message.call)?.abort();
    return;
  }
  const { call, job } = message;
  const controller = new AbortController();
  running.set(call, controller);
  run(call, job, controller.signal)
    .then(
      (result) => send({ type: "done", call, result }),
      (error: unknown) => send({ type: "failed", call, error: toWire(error) }),
    )
    .finally(() => running.delete(call));
});
