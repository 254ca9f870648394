// Prometheus metrics: request counts and latencies by route, completions and tokens by model. Labels
// are route patterns, model ids and status codes only: never content, keys or user identities.
import type { FastifyInstance } from "fastify";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CompletionObserver, CompletionRecord } from "../inference/completion-hooks.ts";

export class Metrics implements CompletionObserver {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: "custodian_http_requests_total",
    help: "HTTP requests by route pattern, method and status code.",
    labelNames: ["route", "method", "status"] as const,
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: "custodian_http_request_duration_seconds",
    help: "Time from request to the end of the response, by route pattern.",
    labelNames: ["route"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly #completions = new Counter({
    name: "custodian_completions_total",
    help: "Completions by model, endpoint and outcome.",
    labelNames: ["model", "endpoint", "status"] as const,
    registers: [this.registry],
  });
  readonly #tokens = new Counter({
    name: "custodian_tokens_total",
    help: "Tokens by model and kind (prompt or completion).",
    labelNames: ["model", "kind"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "custodian_" });
  }

  completed(record: CompletionRecord): void {
    this.#completions.inc({ model: record.model, endpoint: record.endpoint, status: record.status });
    if (record.usage) {
      this.#tokens.inc({ model: record.model, kind: "prompt" }, record.usage.prompt_tokens);
      this.#tokens.inc({ model: record.model, kind: "completion" }, record.usage.completion_tokens);
    }
  }

  /** Count and time every request by its route pattern (never its URL, which may hold ids). */
  instrument(app: FastifyInstance): void {
    app.addHook("onResponse", async (request, reply) => {
      const route = request.routeOptions.url ?? "unmatched";
      this.#requests.inc({ route, method: request.method, status: reply.statusCode });
      this.#duration.observe({ route }, reply.elapsedTime / 1000);
    });
  }
}
