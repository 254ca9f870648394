import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../../test/helpers/database.ts";
import { rowsContaining } from "../../test/helpers/raw-scan.ts";
import { AuditLog } from "../audit/audit-log.ts";
import { Keyring } from "../crypto/keyring.ts";
import type { CompletionRecord } from "../inference/completion-hooks.ts";
import { TenancyService } from "../tenancy/tenancy-service.ts";
import { ApiRetentionPurge } from "./api-retention-purge.ts";
import { ApiTrafficObserver } from "./api-traffic-observer.ts";
import { BuiltinClassifier } from "./builtin-classifier.ts";
import { PrivacyAdmission } from "./privacy-admission.ts";
import { PrivacySettingsService } from "./privacy-settings-service.ts";

const dayMs = 86_400_000;

describe("API retention and zero data retention", () => {
  let database: TestDatabase;
  let keyring: Keyring;
  let audit: AuditLog;
  let settings: PrivacySettingsService;
  let observer: ApiTrafficObserver;
  let admission: PrivacyAdmission;
  let organization: string;
  let project: string;
  let otherProject: string;

  beforeAll(async () => {
    database = await testDatabase();
    const { db } = database;
    keyring = new Keyring(db, randomBytes(32));
    audit = new AuditLog(db, keyring, { checkpointEvery: 1000 });
    const tenancy = new TenancyService({ db, keyring, audit });
    const created = await tenancy.createOrganization("Retention test", "test");
    organization = created.organization.id;
    project = created.project.id;
    otherProject = (await tenancy.createProject(organization, "Other", "test")).id;
    settings = new PrivacySettingsService({ db, audit });
    admission = new PrivacyAdmission(settings);
    settings.onChange(() => admission.invalidate());
    observer = new ApiTrafficObserver({
      db,
      keyring,
      settings,
      admission,
      classifiers: [new BuiltinClassifier()],
      logger: pino({ level: "silent" }),
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  function complete(
    text: string,
    options: { project?: string; store?: boolean; admitted?: CompletionRecord["request"] } = {},
  ): string {
    const requestId = `req_${randomBytes(8).toString("hex")}`;
    const record: CompletionRecord = {
      requestId,
      caller: { organizationId: organization, projectId: options.project ?? project, keyId: "key_test" },
      model: "fake-model",
      endpoint: "chat.completions",
      request: options.admitted ?? { model: "fake-model", messages: [{ role: "user", content: text }] },
      output: `echo: ${text}`,
      usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
      status: "completed",
      store: options.store ?? true,
      startedAt: new Date(),
      durationMs: 3,
    };
    observer.completed(record);
    return requestId;
  }

  async function recordOf(requestId: string) {
    return database.db
      .selectFrom("api_records")
      .selectAll()
      .where("request_id", "=", requestId)
      .executeTakeFirst();
  }

  async function classificationOf(requestId: string) {
    return database.db
      .selectFrom("api_classifications")
      .selectAll()
      .where("request_id", "=", requestId)
      .executeTakeFirst();
  }

  it("[API-1] keeps a completion sealed for at most 30 days, readable only through the keyring", async () => {
    const canary = "CANARY-retained-51c2";
    const requestId = complete(canary);
    await observer.flush();
    const record = await recordOf(requestId);
    expect(record).toBeDefined();
    // Every column compared as bytes (bytea never through JSON); the positive control finds the id.
    expect(await rowsContaining(database.db, ["api_records"], { id: record!.id })).toHaveProperty("id");
    expect(await rowsContaining(database.db, ["api_records"], { canary })).toEqual({});
    expect(record!.expires_at.getTime() - record!.created_at.getTime()).toBe(30 * dayMs);
    expect(record).toMatchObject({
      prompt_tokens: 5,
      completion_tokens: 4,
      flagged: false,
      review_status: "none",
    });
    const opened = JSON.parse(
      (
        await keyring.open(organization, { table: "api_records", row: record!.id }, record!.content)
      ).toString(),
    ) as { request: { messages: Array<{ content: string }> }; output: string };
    expect(opened.request.messages[0]!.content).toBe(canary);
    expect(opened.output).toBe(`echo: ${canary}`);
    // Bound to its row: the same ciphertext under another id does not open.
    await expect(
      keyring.open(organization, { table: "api_records", row: "apirec_other" }, record!.content),
    ).rejects.toThrow();
  });

  it("[API-3] marks a flagged completion for review and stores only category names and scores", async () => {
    const canary = "sk-CANARYflag0123456789abcdefgh";
    const requestId = complete(`here is my key ${canary}`);
    await observer.flush();
    const record = await recordOf(requestId);
    expect(record).toMatchObject({ flagged: true, review_status: "pending" });
    const classification = await classificationOf(requestId);
    expect(classification).toMatchObject({ flagged: true, record_id: record!.id, classifier: "builtin" });
    expect(JSON.parse(classification!.categories)).toEqual(["secrets/api_key"]);
    expect(JSON.stringify(classification)).not.toContain("CANARYflag");
  });

  it("[API-1] a lower retention applies to new records and shortens those already kept; 0 keeps nothing", async () => {
    const before = complete("kept before the change", { project: otherProject });
    await observer.flush();
    await settings.set({
      organizationId: organization,
      projectId: otherProject,
      retentionDays: 7,
      actor: "test",
    });
    const existing = await recordOf(before);
    expect(existing!.expires_at.getTime() - existing!.created_at.getTime()).toBe(7 * dayMs);
    const after = complete("kept after the change", { project: otherProject });
    await observer.flush();
    const fresh = await recordOf(after);
    expect(fresh!.expires_at.getTime() - fresh!.created_at.getTime()).toBe(7 * dayMs);
    // The other project still has the default.
    expect(await settings.effective(organization, project)).toEqual({ retentionDays: 30, zdr: false });

    await settings.set({
      organizationId: organization,
      projectId: otherProject,
      retentionDays: 0,
      actor: "test",
    });
    const none = complete("kept for zero days", { project: otherProject });
    await observer.flush();
    expect(await recordOf(none)).toBeUndefined();
    expect(await classificationOf(none)).toBeDefined();
    await expect(
      settings.set({ organizationId: organization, retentionDays: 31, actor: "test" }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it("[API-2] under project ZDR or store:false no content is written; classifier metadata remains", async () => {
    const viaStore = complete("CANARY-store-false-88a1", { store: false });
    await settings.set({ organizationId: organization, projectId: project, zdr: true, actor: "test" });
    const viaZdr = complete("CANARY-zdr-project-88a1");
    await observer.flush();
    for (const requestId of [viaStore, viaZdr]) {
      expect(await recordOf(requestId)).toBeUndefined();
      const classification = await classificationOf(requestId);
      expect(classification).toMatchObject({ record_id: null, flagged: false });
    }
    await settings.set({ organizationId: organization, projectId: project, zdr: false, actor: "test" });
    expect((await settings.effective(organization, project)).zdr).toBe(false);
  });

  it("[API-2] content admitted under ZDR is not kept even if ZDR is off by the time it is recorded", async () => {
    await settings.set({ organizationId: organization, zdr: true, actor: "test" });
    const request = {
      model: "fake-model",
      messages: [{ role: "user" as const, content: "CANARY-race-61d0" }],
    };
    await admission.admit({
      caller: { organizationId: organization, projectId: project, keyId: "key_test" },
      model: "fake-model",
      endpoint: "chat.completions",
      request,
    });
    await settings.set({ organizationId: organization, zdr: false, actor: "test" });
    const requestId = complete("CANARY-race-61d0", { admitted: request });
    await observer.flush();
    expect(await recordOf(requestId)).toBeUndefined();
    // The next request, admitted without ZDR, is kept.
    const later = complete("after ZDR");
    await observer.flush();
    expect(await recordOf(later)).toBeDefined();
  });

  it("[API-2] a project cannot undo its organisation's ZDR or lengthen its retention", async () => {
    await settings.set({ organizationId: organization, retentionDays: 5, zdr: true, actor: "test" });
    await settings.set({
      organizationId: organization,
      projectId: project,
      retentionDays: 20,
      zdr: false,
      actor: "test",
    });
    expect(await settings.effective(organization, project)).toEqual({ retentionDays: 5, zdr: true });
    const requestId = complete("CANARY-org-zdr-33f0");
    await observer.flush();
    expect(await recordOf(requestId)).toBeUndefined();
    await settings.set({ organizationId: organization, retentionDays: 30, zdr: false, actor: "test" });
    await settings.set({
      organizationId: organization,
      projectId: project,
      retentionDays: 30,
      actor: "test",
    });
    const changes = await database.db
      .selectFrom("audit_entries")
      .selectAll()
      .where("action", "=", "privacy.settings_changed")
      .execute();
    expect(changes.length).toBeGreaterThanOrEqual(6);
    expect(JSON.parse(changes.at(-1)!.metadata)).toEqual({ scope: "project", retention_days: 30 });
  });

  it("[API-1] the purge deletes expired records in batches and audits counts, never content", async () => {
    const kept = complete("not yet expired");
    await observer.flush();
    const purge = new ApiRetentionPurge({ db: database.db, audit, batchSize: 2 });
    // Setting the other project's retention to 0 expired its two records at once: the next purge takes them.
    const shortened = await purge.run();
    expect(shortened.get(organization)).toEqual({ records: 2, classifications: 0 });
    expect((await purge.run()).size).toBe(0);
    const live = await database.db.selectFrom("api_records").select("id").execute();
    expect(live.length).toBeGreaterThanOrEqual(3);
    // 31 days on, every record has expired (at most 30 days), and metadata is past its window.
    const counts = await purge.run(new Date(Date.now() + 31 * dayMs));
    expect(counts.get(organization)?.records).toBe(live.length);
    expect(counts.get(organization)?.classifications).toBeGreaterThan(0);
    expect(await recordOf(kept)).toBeUndefined();
    expect(await database.db.selectFrom("api_records").select("id").execute()).toEqual([]);
    const purged = await database.db
      .selectFrom("audit_entries")
      .selectAll()
      .where("action", "=", "privacy.api_records_purged")
      .execute();
    expect(purged).toHaveLength(2);
    expect(JSON.parse(purged[1]!.metadata)).toEqual({
      records: live.length,
      classifications: counts.get(organization)!.classifications,
    });
    expect((await audit.verify()).ok).toBe(true);
  });
});
