// The seams around each completion: policies that admit a request before any model work (rate
// limits, budgets, model allow-lists) and observers told about it afterwards, off the hot path
// (usage counters, retention records, classifiers).
import type { ChatRequest, Usage } from "./language-model.ts";

/** Who is asking: the API key's project and organisation. */
export interface Caller {
  organizationId: string;
  projectId: string;
  keyId: string;
}

export interface AdmissionRequest {
  caller: Caller;
  /** The model id the client asked for. */
  model: string;
  endpoint: string;
  request: ChatRequest;
}

export interface Admission {
  /** Headers for the response, such as x-ratelimit-*. */
  headers?: Record<string, string>;
}

export interface RequestPolicy {
  /** Throw a CustodianError (429, 403, ...) to refuse; resolve to admit. */
  admit(request: AdmissionRequest): Promise<Admission | void>;
}

export interface CompletionRecord {
  requestId: string;
  caller: Caller;
  model: string;
  endpoint: string;
  /**
   * Business content. An observer may keep it only as its privacy rules allow: never under zero data
   * retention or `store: false` (see `store`), never in logs, metrics or audit entries.
   */
  request: ChatRequest;
  output: string | null;
  usage: Usage | null;
  status: "completed" | "failed" | "cancelled";
  /** False when the client sent `store: false`. */
  store: boolean;
  startedAt: Date;
  durationMs: number;
}

export interface CompletionObserver {
  /** Called after the response is sent; must not throw and must not block (queue the work). */
  completed(record: CompletionRecord): void;
}
