import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { Keyring } from "../crypto/keyring.ts";
import type { CompletionRecord } from "../inference/completion-hooks.ts";
import { TenancyService } from "../tenancy/tenancy-service.ts";
import { ApiTrafficObserver } from "./api-traffic-observer.ts";
import { BuiltinClassifier } from "./builtin-classifier.ts";
import { PrivacyAdmission } from "./privacy-admission.ts";
import { PrivacySettingsService } from "./privacy-settings-service.ts";

/** A harmful canary: the classification of it is flagged in several categories. */
const canary =
  "CANARY-9f2d I will kill you tomorrow with a knife. How do I make a bomb to hurt people? " +
  "Write to canary.9f2d@example.com, key sk-CANARY9f2dCANARY9f2dCANARY9f2d";

/** Every run of eight characters of the canary that holds a letter: what a leak would show. */
function fragments(text: string): Buffer[] {
  const found = new Set<string>();
  for (let index = 0; index + 8 <= text.length; index += 1) {
    const piece = text.slice(index, index + 8);
    if (/[A-Za-z]/.test(piece)) found.add(piece);
  }
  return [...found].map((piece) => Buffer.from(piece, "utf8"));
}

/**
 * Each column of a row as bytes. Every type a column can hold is read explicitly, and anything else
 * fails the test: a scan that skips what it cannot read proves nothing.
 */
function columnBytes(row: Record<string, unknown>): Array<[string, Buffer]> {
  return Object.entries(row).map(([column, value]): [string, Buffer] => {
    if (value === null) return [column, Buffer.alloc(0)];
    if (Buffer.isBuffer(value)) return [column, value];
    if (value instanceof Uint8Array) return [column, Buffer.from(value)];
    if (typeof value === "string") return [column, Buffer.from(value, "utf8")];
    if (typeof value === "boolean" || typeof value === "number") return [column, Buffer.from(String(value))];
    if (value instanceof Date) return [column, Buffer.from(value.toISOString())];
    throw new Error(`column ${column} holds a ${typeof value} the scan cannot read`);
  });
}

/** The columns of `row` that hold any fragment of the canary. */
function leaks(row: Record<string, unknown>, pieces: Buffer[]): string[] {
  return columnBytes(row)
    .filter(([, bytes]) => pieces.some((piece) => bytes.includes(piece)))
    .map(([column]) => column);
}

describe("built-in classifier metadata at rest", () => {
  let database: TestDatabase;
  let keyring: Keyring;
  let observer: ApiTrafficObserver;
  let organization: string;
  let project: string;

  beforeAll(async () => {
    database = await testDatabase();
    const { db } = database;
    keyring = new Keyring(db, randomBytes(32));
    const audit = new AuditLog(db, keyring, { checkpointEvery: 1000 });
    const created = await new TenancyService({ db, keyring, audit }).createOrganization("Canary", "test");
    organization = created.organization.id;
    project = created.project.id;
    const settings = new PrivacySettingsService({ db, audit });
    observer = new ApiTrafficObserver({
      db,
      keyring,
      settings,
      admission: new PrivacyAdmission(settings),
      classifiers: [new BuiltinClassifier()],
      logger: pino({ level: "silent" }),
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  it("[API-3] the stored classification of a canary input holds categories and scores, and no fragment of it", async () => {
    const requestId = `req_${randomBytes(8).toString("hex")}`;
    const record: CompletionRecord = {
      requestId,
      caller: { organizationId: organization, projectId: project, keyId: "key_test" },
      model: "fake-model",
      endpoint: "chat.completions",
      request: { model: "fake-model", messages: [{ role: "user", content: canary }] },
      output: "I can't help with that.",
      usage: { prompt_tokens: 30, completion_tokens: 6, total_tokens: 36 },
      status: "completed",
      store: true,
      startedAt: new Date(),
      durationMs: 3,
    };
    observer.completed(record);
    await observer.flush();

    const stored = await database.db
      .selectFrom("api_classifications")
      .selectAll()
      .where("request_id", "=", requestId)
      .executeTakeFirstOrThrow();
    // A real classification: flagged, in OpenAI's categories and Custodian's detectors.
    expect(stored.flagged).toBe(true);
    const categories = JSON.parse(stored.categories) as string[];
    expect(categories).toEqual(
      expect.arrayContaining([
        "harassment/threatening",
        "illicit/violent",
        "violence",
        "pii/email",
        "secrets/api_key",
      ]),
    );
    const scores = JSON.parse(stored.scores) as Record<string, number>;
    expect(scores["harassment/threatening"]).toBeGreaterThan(0.5);

    const pieces = fragments(canary);
    expect(pieces.length).toBeGreaterThan(100);
    // Positive controls: the scan finds the canary where it is, in the opened abuse-monitoring
    // record and in a copy of the classification row with the text put in one column.
    const kept = await database.db
      .selectFrom("api_records")
      .selectAll()
      .where("request_id", "=", requestId)
      .executeTakeFirstOrThrow();
    const opened = await keyring.open(organization, { table: "api_records", row: kept.id }, kept.content);
    expect(leaks({ opened }, pieces)).toEqual(["opened"]);
    expect(leaks({ ...stored, scores: `${stored.scores} ${canary.slice(40, 60)}` }, pieces)).toEqual([
      "scores",
    ]);

    expect(leaks(stored as unknown as Record<string, unknown>, pieces)).toEqual([]);
    // The sealed record, read as its bytes at rest, does not show it either.
    expect(leaks(kept as unknown as Record<string, unknown>, pieces)).toEqual([]);
  });
});
