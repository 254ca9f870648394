// The organisation export through the admin API (OWN-2): files with their contents on request,
// fine-tuning jobs with events, fine-tuned models, settings, members and roles, and the audit log with
// its checkpoints; and never a conversation (CTL-4), shown against a canary the user's export holds.
import { verifyEntryInclusion } from "../src/audit/inclusion-proof.ts";
import type { AuditLogExport } from "../src/privacy/export-audit-log.ts";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLlamaGguf } from "../src/inference/gguf/gguf-writer.ts";
import { privateModelPrefix } from "../src/inference/private-models.ts";
import { signInOwner, type BrowserSession } from "./helpers/browser-session.ts";
import { startTestPlatformWithUpstream, type PlatformWithUpstream } from "./helpers/platform.ts";

const conversationCanary = "CANARY-org-export-conversation-61b2";
const fileCanary = "CANARY-org-export-file-0d7e";

interface OrganizationExport {
  format: string;
  version: number;
  include_content: boolean;
  settings: Record<string, unknown> & {
    workspace_retention: Array<{ workspace: string; retention_days: number | null }>;
    feature_switches: Array<{ scope: string; scope_id: string; feature: string; models: string[] | null }>;
  };
  sections: Record<string, Array<Record<string, unknown>>>;
  audit_log: Array<{ seq: number; action: string; target: string | null }>;
  audit_checkpoints: AuditLogExport["checkpoints"];
  audit_inclusion_proofs: AuditLogExport["inclusion_proofs"];
  audit_public_key: string | null;
}

describe("organisation export", () => {
  let platform: PlatformWithUpstream;
  let owner: BrowserSession;
  let member: BrowserSession;
  let directory: string;
  let workspace: string;
  let conversationId: string;
  let fileId: string;
  const fileBytes = Buffer.from(`{"prompt":"${fileCanary}","completion":"c"}\n`);
  let jobId: string;
  let fineTunedModel: string;

  async function exported(query = ""): Promise<{ text: string; document: OrganizationExport }> {
    const response = await owner.fetch(`/api/organization/export${query}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    return { text, document: JSON.parse(text) as OrganizationExport };
  }

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), "custodian-org-export-"));
    const base = { id: "tiny-base", path: path.join(directory, "tiny-base.gguf") };
    await writeLlamaGguf(base.path, {
      seed: 5,
      embeddingLength: 32,
      blockCount: 1,
      headCount: 2,
      contextLength: 256,
    });
    platform = await startTestPlatformWithUpstream({
      env: {
        CUSTODIAN_MODELS: JSON.stringify([base]),
        CUSTODIAN_LLAMA_THREADS: "1",
        CUSTODIAN_LLAMA_PARALLEL: "1",
        CUSTODIAN_LLAMA_CONTEXT_SIZE: "256",
      },
    });
    const services = platform.server.platform;
    owner = await signInOwner(platform, { email: "owner@export.example" });
    member = await signInOwner(platform, { email: "member@export.example" });
    workspace = (await services.identity.users.defaultWorkspace(platform.organization)).id;
    await services.access.roles.assign({
      organizationId: platform.organization,
      workspaceId: workspace,
      userId: member.userId,
      role: "member",
      actor: owner.userId,
    });

    // The member's conversation, with the canary in its title and its messages.
    const created = await member.fetch("/api/conversations", {
      method: "POST",
      body: JSON.stringify({ model: "fake-model", title: `plans ${conversationCanary}` }),
    });
    conversationId = ((await created.json()) as { id: string }).id;
    const answered = await member.fetch(`/api/conversations/${conversationId}/messages`, {
      method: "POST",
      body: JSON.stringify({ content: `secret ${conversationCanary}` }),
    });
    await answered.text();

    // A file, a fine-tuning job (cancelled at once, so no training competes for the cores) and a model.
    const client = platform.client();
    fileId = (
      await client.files.create({ file: await toFile(fileBytes, "pairs.jsonl"), purpose: "fine-tune" })
    ).id;
    const job = await client.fineTuning.jobs.create({ model: base.id, training_file: fileId });
    await client.fineTuning.jobs.cancel(job.id);
    jobId = job.id;
    fineTunedModel = `${privateModelPrefix}${base.id}:${platform.organization}::${job.id.slice("ftjob-".length)}`;
    await services.finetune.models.store({
      id: fineTunedModel,
      organizationId: platform.organization,
      baseModel: base.id,
      jobId: job.id,
      weightsPath: base.path,
    });

    // Settings, roles and a checkpoint over the log.
    await services.workspace.retention.setRetention(platform.organization, workspace, 45, owner.userId);
    await services.access.switches.set({
      organizationId: platform.organization,
      scope: "workspace",
      scopeId: workspace,
      feature: "models",
      enabled: true,
      models: ["fake-model", "tiny-base"],
      actor: owner.userId,
    });
    await services.access.models.setProjectModels({
      organizationId: platform.organization,
      projectId: platform.project,
      models: ["fake-model"],
      actor: owner.userId,
    });
    await services.access.roles.create({
      organizationId: platform.organization,
      name: "exporter-auditor",
      permissions: ["audit.read", "usage.read"],
      actor: owner.userId,
    });
    await services.audit.checkpoint();
  }, 180_000);
  afterAll(async () => {
    await platform?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it("[OWN-2] an organisation's export holds files (contents on request), jobs with events, fine-tuned models, settings, members and roles, and the audit log with checkpoints", async () => {
    const { text, document } = await exported("?include_content=true");
    expect(document).toMatchObject({
      format: "custodian-organization-export/v1",
      version: 1,
      include_content: true,
    });

    // Files: metadata, and the exact bytes with their digest.
    const file = document.sections.files!.find((record) => record.id === fileId)!;
    expect(file).toMatchObject({ filename: "pairs.jsonl", purpose: "fine-tune", bytes: fileBytes.length });
    const content = Buffer.from(file.content_base64 as string, "base64");
    expect(content.equals(fileBytes)).toBe(true);
    expect(file.content_sha256).toBe(createHash("sha256").update(fileBytes).digest("hex"));

    // Fine-tuning: the job with its events, oldest first, and the model it stands for.
    const job = document.sections.fine_tuning_jobs!.find((record) => record.id === jobId)!;
    expect(job).toMatchObject({ model: "tiny-base", training_file: fileId, status: "cancelled" });
    const events = job.events as Array<{ message: string; created_at: string }>;
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.map((event) => event.message)).toContain("Fine-tuning job cancelled");
    const times = events.map((event) => Date.parse(event.created_at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(document.sections.fine_tuned_models).toEqual([
      expect.objectContaining({
        id: fineTunedModel,
        owned_by: platform.organization,
        base_model: "tiny-base",
      }),
    ]);

    // Settings: API privacy, workspace retention, switches; projects with their allow-lists.
    expect(document.settings.workspace_retention).toContainEqual({ workspace, retention_days: 45 });
    expect(document.settings.feature_switches).toContainEqual(
      expect.objectContaining({
        scope: "workspace",
        scope_id: workspace,
        feature: "models",
        models: ["fake-model", "tiny-base"],
      }),
    );
    expect(document.sections.projects).toContainEqual(
      expect.objectContaining({ id: platform.project, allowed_models: ["fake-model"] }),
    );
    expect(document.sections.workspaces).toContainEqual(expect.objectContaining({ id: workspace }));

    // Members with their roles, and roles with their permissions; never a password hash.
    const members = document.sections.members as Array<{ id: string; email: string; memberships: unknown[] }>;
    expect(members).toContainEqual(
      expect.objectContaining({
        id: member.userId,
        email: "member@export.example",
        memberships: [{ workspace, role: "member" }],
      }),
    );
    expect(members.find((record) => record.id === owner.userId)?.memberships).toEqual([
      { workspace, role: "owner" },
    ]);
    expect(document.sections.roles).toContainEqual({
      name: "exporter-auditor",
      builtin: false,
      permissions: ["audit.read", "usage.read"],
    });
    expect(document.sections.roles).toContainEqual(expect.objectContaining({ name: "owner", builtin: true }));
    const hashes = await platform.server.platform.db
      .selectFrom("users")
      .select("password_hash")
      .where("organization_id", "=", platform.organization)
      .execute();
    // Positive control: the hashes exist, so their absence below means something.
    expect(hashes.filter((row) => row.password_hash?.startsWith("scrypt$"))).toHaveLength(hashes.length);
    for (const row of hashes) expect(text).not.toContain(row.password_hash!);

    // The audit log: this organisation's entries, and signed checkpoints covering them.
    const actions = document.audit_log.map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(["organization.created", "role.created"]));
    expect(document.audit_checkpoints).toHaveLength(1);
    const [checkpoint] = document.audit_checkpoints;
    expect(checkpoint!.tree_size).toBeGreaterThanOrEqual(
      document.audit_log.find((entry) => entry.action === "role.created")!.seq,
    );
    // Each entry the checkpoint covers comes with a proof the organisation checks with the public key
    // alone (the one `custodian audit public-key` prints), and a changed entry fails it.
    const publicKey = platform.server.platform.audit.verifierKey!;
    expect(document.audit_public_key).toBe(publicKey);
    const proofs = document.audit_inclusion_proofs!;
    expect(proofs.map((proof) => proof.entry.seq)).toEqual(
      document.audit_log.filter((entry) => entry.seq <= checkpoint!.tree_size).map((entry) => entry.seq),
    );
    for (const proof of proofs)
      expect(
        verifyEntryInclusion(
          proof.entry,
          proof.leaf_index,
          proof.inclusion_path,
          checkpoint!.note,
          publicKey,
        ),
      ).toMatchObject({ ok: true });
    const changed = { ...proofs[0]!.entry, action: "role.deleted" };
    expect(
      verifyEntryInclusion(
        changed,
        proofs[0]!.leaf_index,
        proofs[0]!.inclusion_path,
        checkpoint!.note,
        publicKey,
      ),
    ).toMatchObject({ ok: false });

    // JSON lines carry the same sections, checkpoints included.
    const lines = (
      await (await owner.fetch("/api/organization/export?format=jsonl&include_content=true")).text()
    )
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { section: string; version?: number; content_base64?: string });
    expect(lines[0]).toMatchObject({ section: "export", version: 1, include_content: true });
    expect(lines.filter((line) => line.section === "audit_checkpoints").length).toBe(
      document.audit_checkpoints.length,
    );
    expect(lines.find((line) => line.section === "files")?.content_base64).toBe(file.content_base64);
    for (const name of [
      "members",
      "roles",
      "fine_tuning_jobs",
      "fine_tuned_models",
      "projects",
      "workspaces",
    ])
      expect(
        lines.some((line) => line.section === name),
        name,
      ).toBe(true);

    const audited = await platform.server.platform.audit.entries({
      organizationId: platform.organization,
      limit: 10_000,
    });
    expect(
      audited.filter((entry) => entry.action === "organization.exported").at(-1)?.metadata,
    ).toMatchObject({
      include_content: true,
    });
  });

  it("[OWN-2] file contents only on request: without it, metadata alone", async () => {
    const { text, document } = await exported();
    expect(document.include_content).toBe(false);
    const file = document.sections.files!.find((record) => record.id === fileId)!;
    expect(file).not.toHaveProperty("content_base64");
    expect(file).not.toHaveProperty("content_sha256");
    expect(text).not.toContain(fileBytes.toString("base64"));
    expect((await owner.fetch("/api/organization/export?include_content=yes")).status).toBe(400);
    expect((await member.fetch("/api/organization/export?include_content=true")).status).toBe(403);
  });

  it("[OWN-2] stored /v1/responses responses: metadata always, the response and its input only with contents", async () => {
    const canary = "CANARY-export-response-51d0";
    const response = await platform
      .client()
      .responses.create({ model: "fake-model", input: `note ${canary}` });
    const { text: bare, document } = await exported();
    const listed = document.sections.stored_responses!.find((record) => record.id === response.id)!;
    expect(listed).toMatchObject({ model: "fake-model", status: "completed" });
    expect(listed).not.toHaveProperty("response");
    expect(bare).not.toContain(canary);
    const full = (await exported("?include_content=true")).document;
    const record = full.sections.stored_responses!.find((entry) => entry.id === response.id)!;
    expect(JSON.stringify(record.input_items)).toContain(canary);
    expect(record.response).toMatchObject({ id: response.id, object: "response" });
  });

  it("[CTL-4] the organisation export never holds a conversation: not its title, messages or id, with or without contents", async () => {
    // Positive control: the canary and the id are there to be found, in the user's own export.
    const own = await (await member.fetch("/api/export")).text();
    expect(own).toContain(`secret ${conversationCanary}`);
    expect(own).toContain(conversationId);
    for (const query of [
      "",
      "?include_content=true",
      "?format=jsonl",
      "?format=jsonl&include_content=true",
    ]) {
      const text = await (await owner.fetch(`/api/organization/export${query}`)).text();
      // Each export is itself a real one: it holds the file this test uploaded.
      expect(text, query).toContain(fileId);
      expect(text, query).not.toContain(conversationCanary);
      expect(text, query).not.toContain(conversationId);
      // Contents travel as base64: decoded, they hold the file's canary and never the conversation's.
      const decoded = [...text.matchAll(/"content_base64":"([^"]*)"/g)].map((match) =>
        Buffer.from(match[1]!, "base64").toString("utf8"),
      );
      expect(decoded.some((content) => content.includes(fileCanary))).toBe(query.includes("include_content"));
      for (const content of decoded) expect(content).not.toContain(conversationCanary);
    }
  });
});
