// The usage recorder on a real database: batched, idempotent by request id, flushed on close, bounded.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import type { CompletionRecord } from "../inference/completion-hooks.ts";
import { PostgresWindowCounters } from "./postgres-window-counters.ts";
import { UsageRecorder } from "./usage-recorder.ts";

const organizationId = "org_recordertest";
const logger = pino({ level: "silent" });

function record(requestId: string, tokens = { prompt: 7, completion: 3 }): CompletionRecord {
  return {
    requestId,
    caller: { organizationId, projectId: "proj_r", keyId: "key_r" },
    model: "m",
    endpoint: "chat.completions",
    request: { model: "m", messages: [{ role: "user", content: "secret words" }] },
    output: "secret answer",
    usage: {
      prompt_tokens: tokens.prompt,
      completion_tokens: tokens.completion,
      total_tokens: tokens.prompt + tokens.completion,
    },
    status: "completed",
    store: true,
    startedAt: new Date(),
    durationMs: 5,
  };
}

describe("UsageRecorder", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await testDatabase();
    await database.db.insertInto("organizations").values({ id: organizationId, name: "Recorder" }).execute();
  });
  afterAll(async () => {
    await database?.close();
  });

  async function totals() {
    const events = await database.db.selectFrom("usage_events").selectAll().execute();
    const counters = await database.db
      .selectFrom("usage_counters")
      .select(["subject", "period", "tokens"])
      .where("period", "=", "day")
      .execute();
    return { events, counters };
  }

  it("counts each request once, even when a batch is written again after a restart", async () => {
    const first = new UsageRecorder(
      { db: database.db, counters: new PostgresWindowCounters(database.db), logger },
      { flushEveryMs: 60_000 },
    );
    for (const id of ["req_1", "req_2", "req_3"]) first.completed(record(id));
    await first.close();
    // A node that died after committing but before forgetting its queue would write the same ids again.
    const second = new UsageRecorder(
      { db: database.db, counters: new PostgresWindowCounters(database.db), logger },
      { flushEveryMs: 60_000 },
    );
    for (const id of ["req_2", "req_3", "req_4"]) second.completed(record(id));
    await second.flush();
    await second.close();
    const { events, counters } = await totals();
    expect(events.map((event) => event.request_id).sort()).toEqual(["req_1", "req_2", "req_3", "req_4"]);
    expect(events.every((event) => event.input_tokens === 7 && event.output_tokens === 3)).toBe(true);
    expect(counters.sort((a, b) => a.subject.localeCompare(b.subject))).toEqual([
      { subject: "key:key_r", period: "day", tokens: 40 },
      { subject: "project:proj_r", period: "day", tokens: 40 },
    ]);
    expect(JSON.stringify(events)).not.toContain("secret");
  });

  it("flushes on its own when a batch fills, and skips failures that used no tokens", async () => {
    const recorder = new UsageRecorder(
      { db: database.db, counters: new PostgresWindowCounters(database.db), logger },
      { flushEveryMs: 60_000, batchSize: 2 },
    );
    recorder.completed({ ...record("req_failed"), usage: null, status: "failed" });
    recorder.completed(record("req_5"));
    expect(recorder.pending).toBe(1);
    recorder.completed(record("req_6"));
    await recorder.flush();
    expect(recorder.pending).toBe(0);
    const ids = (await totals()).events.map((event) => event.request_id);
    expect(ids).toContain("req_6");
    expect(ids).not.toContain("req_failed");
    await recorder.close();
  });

  it("holds at most maxQueue records while the database cannot take them", async () => {
    const lines: string[] = [];
    const capture = pino({ level: "error" }, { write: (line: string) => lines.push(line) });
    const recorder = new UsageRecorder(
      { db: database.db, counters: new PostgresWindowCounters(database.db), logger: capture },
      { flushEveryMs: 60_000, maxQueue: 2 },
    );
    for (const id of ["req_7", "req_8", "req_9"]) recorder.completed(record(id));
    expect(recorder.pending).toBe(2);
    await recorder.close();
    expect(lines.join("")).toContain('"dropped":1');
  });
});
