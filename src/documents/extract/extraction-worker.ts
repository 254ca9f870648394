// The extraction worker thread: reads one document at a time for extraction-pool.ts and answers with
// the extracted document or the kind of failure. It runs under a memory cap and a deadline, so a
// hostile file costs at most this thread, which the pool then ends.
import { parentPort } from "node:worker_threads";
import type { ExtractedDocument } from "../document-types.ts";
import { ExtractionFailure, type FailureKind } from "./extraction-failure.ts";
import { readDocument, type ReadRequest } from "./read-document.ts";
import type { ReadLimits } from "./read-limits.ts";

export interface WorkerJob {
  request: Omit<ReadRequest, "content"> & { content: Uint8Array };
  limits: ReadLimits;
}

export type WorkerAnswer = { ok: true; document: ExtractedDocument } | { ok: false; kind: FailureKind };

const port = parentPort;
if (port === null) throw new Error("extraction-worker.ts runs as a worker thread only");

port.on("message", (job: WorkerJob) => {
  const { content } = job.request;
  const request = {
    ...job.request,
    content: Buffer.from(content.buffer, content.byteOffset, content.byteLength),
  };
  readDocument(request, job.limits).then(
    (document) => port.postMessage({ ok: true, document } satisfies WorkerAnswer),
    (error: unknown) =>
      port.postMessage({
        ok: false,
        kind: error instanceof ExtractionFailure ? error.kind : "corrupt",
      } satisfies WorkerAnswer),
  );
});
