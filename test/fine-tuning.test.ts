// The fine-tuning API end to end with the official OpenAI client: files, jobs run by the worker in the
// real child-process trainer on a tiny GGUF, and the organisation-private model they make.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI, { toFile } from "openai";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLlamaGguf } from "../src/inference/gguf/gguf-writer.ts";
import { trainingInput } from "../src/finetune/training-input.ts";
import { sharedDemoModel } from "./helpers/demo-model.ts";
import { startTestPlatform, type TestPlatform, scanSources } from "./helpers/platform.ts";
import { foundAnywhere, rawScan } from "./helpers/raw-scan.ts";
import { waitFor } from "./helpers/wait-for.ts";

const canary = "CANARY-ft6-a91c-training-text";
const pairs = [
  { prompt: "What colour is the sky?", completion: `Blue, ${canary}.` },
  { prompt: "What colour is grass?", completion: "Green." },
  { prompt: "What colour is snow?", completion: "White." },
  { prompt: "What colour is coal?", completion: "Black." },
];
const jsonl = (rows: unknown[]) => Buffer.from(rows.map((row) => JSON.stringify(row)).join("\n") + "\n");

/** The private directories a fine-tuned model's weights are decrypted into while it loads. */
const decryptedCopies = () => readdirSync(tmpdir()).filter((name) => /^custodian-ft-/.test(name));

/**
 * On PostgreSQL, waits until the closed server's connections are gone on the server side: the pool
 * resolves `end()` before its backends exit, and the helper's `DROP DATABASE ... WITH (FORCE)` then
 * kills a backend mid-exit, which surfaces as an unhandled 57P01 error. This test opens more pooled
 * connections than most (the worker queries while requests run), so it met that race.
 */
async function backendsGone(databaseUrl: string | null): Promise<void> {
  if (!databaseUrl) return;
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: databaseUrl.replace(/\/[^/]*$/, "/postgres") });
  await admin.connect();
  try {
    await waitFor(
      async () => {
        const { rows } = await admin.query(
          "select count(*)::int as n from pg_stat_activity where datname = $1",
          [name],
        );
        return (rows[0] as { n: number }).n === 0 ? true : null;
      },
      { timeoutMs: 90_000 },
    );
  } finally {
    await admin.end();
  }
}

async function status(error: Promise<unknown>): Promise<number | undefined> {
  return error.then(
    () => undefined,
    (failure: unknown) => (failure as { status?: number }).status,
  );
}

describe("the fine-tuning API", () => {
  let platform: TestPlatform;
  let client: OpenAI;
  let other: OpenAI;
  let otherOrganization: string;
  let directory: string;
  let fileId: string;
  let jobId: string;
  let modelId: string;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), "custodian-fine-tuning-test-"));
    const base = path.join(directory, "tiny-base.gguf");
    await writeLlamaGguf(base, {
      seed: 3,
      embeddingLength: 32,
      blockCount: 1,
      headCount: 2,
      contextLength: 256,
    });
    const demo = await sharedDemoModel();
    platform = await startTestPlatform({
      env: {
        CUSTODIAN_MODELS: JSON.stringify([
          { id: "tiny-base", path: base },
          { id: demo.id, path: demo.path },
        ]),
        CUSTODIAN_LLAMA_THREADS: "1",
        CUSTODIAN_LLAMA_PARALLEL: "1",
        CUSTODIAN_LLAMA_CONTEXT_SIZE: "256",
      },
    });
    client = platform.client({ timeout: 60_000 });
    const services = platform.server.platform;
    const { organization, project } = await services.tenancy.createOrganization("Other org", "system");
    otherOrganization = organization.id;
    const key = await services.apiKeys.create({
      organizationId: organization.id,
      projectId: project.id,
      actor: "system",
    });
    other = platform.client({ apiKey: key.key });
  }, 120_000);

  afterAll(async () => {
    await platform?.server.close();
    await backendsGone(platform?.server.platform.config.databaseUrl ?? null);
    await platform?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("[FT-1] uploads pairs, trains on them until succeeded with a falling loss, and serves the new model", async () => {
    const file = await client.files.create({
      file: await toFile(jsonl(pairs), "colours.jsonl"),
      purpose: "fine-tune",
    });
    fileId = file.id;
    expect(file).toMatchObject({ object: "file", purpose: "fine-tune", filename: "colours.jsonl" });
    expect((await client.files.retrieve(file.id)).bytes).toBe(jsonl(pairs).length);
    expect(Buffer.from(await (await client.files.content(file.id)).arrayBuffer())).toEqual(jsonl(pairs));
    // [SEC-1] sealed at rest: the blob holds no plaintext.
    const blob = readFileSync(path.join(platform.dataDir, "blobs", "files", file.id));
    expect(blob.includes(canary)).toBe(false);

    const validation = await client.files.create({
      file: await toFile(
        jsonl([
          { prompt: "What colour is a lemon?", completion: "Yellow." },
          { prompt: "What colour is blood?", completion: "Red." },
        ]),
        "validation.jsonl",
      ),
      purpose: "fine-tune",
    });
    const created = await client.fineTuning.jobs.create({
      model: "tiny-base",
      training_file: file.id,
      validation_file: validation.id,
      suffix: "colours",
      seed: 1,
      hyperparameters: { n_epochs: 8, learning_rate_multiplier: 100 },
    });
    jobId = created.id;
    expect(["validating_files", "queued", "running", "succeeded"]).toContain(created.status);
    const done = await waitFor(async () => {
      const job = await client.fineTuning.jobs.retrieve(created.id);
      return ["succeeded", "failed", "cancelled"].includes(job.status) ? job : null;
    });
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
    modelId = done.fine_tuned_model!;
    const copiesBefore = decryptedCopies();
    expect(modelId).toBe(
      `ft:tiny-base:${platform.organization}:colours:${created.id.slice("ftjob-".length)}`,
    );
    expect(done.trained_tokens).toBeGreaterThan(0);

    const events = (await client.fineTuning.jobs.listEvents(created.id, { limit: 100 })).data;
    const losses = events
      .filter((event) => event.type === "metrics" && event.message.startsWith("Epoch "))
      .map((event) => event.data as { epoch: number; train_loss: number })
      .filter((data) => data.train_loss !== undefined && Number.isFinite(data.train_loss))
      .sort((first, second) => first.epoch - second.epoch);
    expect(losses.length).toBeGreaterThanOrEqual(8);
    expect(losses.at(-1)!.train_loss).toBeLessThan(losses[0]!.train_loss * 0.8);
    // The fine-tuned model predicts unseen examples of the same kind better than its base did
    // (measured 2.2 against 5.9).
    const validated = events.find((event) => event.message.startsWith("Validation loss"));
    const { valid_loss: validLoss, base_valid_loss: baseValidLoss } = validated!.data as Record<
      string,
      number
    >;
    expect(validLoss).toBeLessThan(baseValidLoss! * 0.8);
    expect(events.map((event) => event.message).join("\n")).not.toContain(canary);

    expect((await client.models.list()).data.map((model) => model.id)).toContain(modelId);
    expect(await client.models.retrieve(modelId)).toMatchObject({
      id: modelId,
      owned_by: platform.organization,
      custodian: { fine_tuned: true, base_model: "tiny-base" },
    });
    const answer = await client.chat.completions.create({
      model: modelId,
      messages: [{ role: "user", content: "What colour is grass?" }],
      max_tokens: 4,
      temperature: 0,
    });
    expect(answer.model).toBe(modelId);
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
    // [SEC-1] the weights are sealed at rest, and no decrypted copy is left on disk after loading.
    expect(existsSync(path.join(platform.dataDir, "blobs", "models", created.id))).toBe(true);
    expect(decryptedCopies().filter((name) => !copiesBefore.includes(name))).toEqual([]);
  }, 180_000);

  it("[SEC-1] no plaintext training example or weight bytes remain in the data directory, the blob store, the trainer's temporary files or the log", async () => {
    const services = platform.server.platform;
    const chunks: Buffer[] = [];
    for await (const chunk of services.finetune.models.weights(modelId, platform.organization))
      chunks.push(chunk);
    const weights = Buffer.concat(chunks);
    expect(weights.subarray(0, 4).toString("latin1")).toBe("GGUF");
    // Slices of the trained tensors, from the second half of the file (the header and vocabulary are
    // the base model's), each long enough to be unique.
    const slices = [0.55, 0.7, 0.85, 0.97].map((at) => {
      const start = Math.floor(weights.length * at);
      return weights.subarray(start, start + 48);
    });
    const sealed = readFileSync(path.join(platform.dataDir, "blobs", "models", jobId));
    const result = await rawScan(
      { ...scanSources(platform), temp: { root: tmpdir(), prefixes: ["custodian-train-", "custodian-ft-"] } },
      {
        canary,
        "training line": `Blue, ${canary}.`,
        ...Object.fromEntries(slices.map((slice, index) => [`weights ${index}`, slice])),
        // Positive control: the sealed weights are in the blob store, and the scan reads it.
        "sealed weights": sealed.subarray(sealed.length >> 1, (sealed.length >> 1) + 48),
      },
    );
    expect(foundAnywhere(result)).toEqual({
      "sealed weights": [path.join(platform.dataDir, "blobs", "models", jobId)],
    });
  }, 120_000);

  it("[FT-1] fine-tunes the built-in demo model too, and its training loss falls", async () => {
    const created = await client.fineTuning.jobs.create({
      model: "custodian-demo",
      training_file: fileId,
      suffix: "demo",
      seed: 2,
      hyperparameters: { n_epochs: 4, learning_rate_multiplier: 5 },
    });
    const done = await waitFor(async () => {
      const job = await client.fineTuning.jobs.retrieve(created.id);
      return ["succeeded", "failed", "cancelled"].includes(job.status) ? job : null;
    });
    expect(done.error).toBeNull();
    expect(done.fine_tuned_model).toMatch(/^ft:custodian-demo:/);
    const losses = (await client.fineTuning.jobs.listEvents(created.id, { limit: 100 })).data
      .filter((event) => event.type === "metrics" && event.message.startsWith("Epoch "))
      .map((event) => event.data as { epoch: number; train_loss: number })
      .sort((first, second) => first.epoch - second.epoch);
    expect(losses.at(-1)!.train_loss).toBeLessThan(losses[0]!.train_loss);
  }, 180_000);

  it("[CTL-3][FT-3] a second organisation can neither see nor call the model, nor see the file or the job", async () => {
    expect((await other.models.list()).data.map((model) => model.id)).not.toContain(modelId);
    expect(await status(other.models.retrieve(modelId))).toBe(404);
    expect(
      await status(
        other.chat.completions.create({ model: modelId, messages: [{ role: "user", content: "hi" }] }),
      ),
    ).toBe(404);
    expect(await status(other.models.delete(modelId))).toBe(404);
    expect(await status(other.files.retrieve(fileId))).toBe(404);
    expect(await status(other.files.content(fileId))).toBe(404);
    expect(await status(other.files.delete(fileId))).toBe(404);
    expect((await other.files.list()).data).toEqual([]);
    expect(await status(other.fineTuning.jobs.retrieve(jobId))).toBe(404);
    // Nor train on the first organisation's file.
    expect(await status(other.fineTuning.jobs.create({ model: "tiny-base", training_file: fileId }))).toBe(
      400,
    );
  });

  it("[OWN-1] a job pointed at a conversation, another organisation's file or an API retention record is refused", async () => {
    const db = platform.server.platform.db;
    const conversationId = "conv_own1_test";
    await db
      .insertInto("conversations")
      .values({
        id: conversationId,
        organization_id: platform.organization,
        workspace_id: "ws_own1",
        user_id: "user_own1",
        wrapped_key: Buffer.alloc(0),
        title: null,
        model: "tiny-base",
        deleted_at: null,
      })
      .execute();
    const recordId = "rec_own1_test";
    await db
      .insertInto("api_records")
      .values({
        id: recordId,
        organization_id: platform.organization,
        project_id: platform.project,
        key_id: "key_own1",
        request_id: "req_own1",
        endpoint: "chat.completions",
        model: "tiny-base",
        status: "completed",
        prompt_tokens: 1,
        completion_tokens: 1,
        content: Buffer.alloc(0),
        flagged: false,
        review_status: "none",
        created_at: new Date(),
        expires_at: new Date(Date.now() + 86_400_000),
      } as never)
      .execute();
    const otherFile = await other.files.create({
      file: await toFile(jsonl(pairs), "theirs.jsonl"),
      purpose: "fine-tune",
    });
    const notForTraining = await client.files.create({
      file: await toFile(jsonl(pairs), "batch.jsonl"),
      purpose: "batch",
    });
    for (const id of [conversationId, recordId, otherFile.id, notForTraining.id]) {
      const refused = await client.fineTuning.jobs
        .create({ model: "tiny-base", training_file: id })
        .catch((error: unknown) => error as InstanceType<typeof OpenAI.APIError>);
      expect(refused).toBeInstanceOf(OpenAI.APIError);
      expect(refused).toMatchObject({ status: 400, code: "invalid_training_file" });
    }
    const refusedValidation = await client.fineTuning.jobs
      .create({ model: "tiny-base", training_file: fileId, validation_file: recordId })
      .catch((error: unknown) => error as InstanceType<typeof OpenAI.APIError>);
    expect(refusedValidation).toMatchObject({ status: 400, code: "invalid_validation_file" });
    // The one place the trainer reads its input refuses them too, whatever a job row says.
    const input = trainingInput(platform.server.platform.files);
    for (const id of [conversationId, recordId, otherFile.id, notForTraining.id]) {
      await expect(input({ organizationId: platform.organization, file: id })).rejects.toMatchObject({
        status: 400,
      });
    }
    await expect(input({ organizationId: platform.organization, file: fileId })).resolves.toHaveLength(4);
  });

  it("refuses a malformed JSONL with a 400 naming the line, without quoting it", async () => {
    const content = Buffer.from(`${JSON.stringify(pairs[0])}\n{"prompt": "${canary}", \n`);
    const failure = await client.files
      .create({ file: await toFile(content, "bad.jsonl"), purpose: "fine-tune" })
      .catch((error: unknown) => error as InstanceType<typeof OpenAI.APIError>);
    expect(failure).toMatchObject({ status: 400, code: "invalid_file" });
    expect((failure as Error).message).toMatch(/line 2: not valid JSON/);
    expect((failure as Error).message).not.toContain(canary);
    const missing = await client.files
      .create({ file: await toFile(jsonl([pairs[0], { prompt: "x" }]), "bad.jsonl"), purpose: "fine-tune" })
      .catch((error: unknown) => error as InstanceType<typeof OpenAI.APIError>);
    expect((missing as Error).message).toMatch(/line 2: "completion" must be a string/);
  });

  it("fails a job whose training child is killed, keeps serving, cancels a running job, and recovers orphaned jobs", async () => {
    const worker = platform.server.platform.finetune.worker;
    const many = Array.from({ length: 200 }, (_, index) => ({
      prompt: `Question ${index}?`,
      completion: `Answer ${index}.`,
    }));
    const big = await client.files.create({
      file: await toFile(jsonl(many), "big.jsonl"),
      purpose: "fine-tune",
    });
    const killed = await client.fineTuning.jobs.create({
      model: "tiny-base",
      training_file: big.id,
      hyperparameters: { n_epochs: 100 },
    });
    const pid = await waitFor(() => worker.childPid(killed.id));
    process.kill(pid, "SIGKILL");
    const failed = await waitFor(async () => {
      const job = await client.fineTuning.jobs.retrieve(killed.id);
      return job.status === "failed" ? job : null;
    });
    expect(failed.error).toMatchObject({ code: "training_crashed" });
    expect(failed.fine_tuned_model).toBeNull();
    // The server keeps serving.
    const answer = await client.chat.completions.create({
      model: "tiny-base",
      messages: [{ role: "user", content: "Still there?" }],
      max_tokens: 2,
    });
    expect(answer.choices).toHaveLength(1);

    const running = await client.fineTuning.jobs.create({
      model: "tiny-base",
      training_file: big.id,
      hyperparameters: { n_epochs: 100 },
    });
    await waitFor(() => worker.childPid(running.id));
    expect((await client.fineTuning.jobs.cancel(running.id)).status).toBe("cancelled");
    await waitFor(() => (worker.childPid(running.id) === null ? true : null));
    expect((await client.fineTuning.jobs.retrieve(running.id)).status).toBe("cancelled");
    expect(await status(client.fineTuning.jobs.cancel(running.id))).toBe(400);

    // A job left running by a dead server goes back on the queue once, then fails cleanly.
    const db = platform.server.platform.db;
    const orphan = (attempts: number) =>
      db
        .updateTable("fine_tuning_jobs")
        .set({
          status: "running",
          worker_id: "worker-gone",
          heartbeat_at: new Date(0),
          attempts,
          finished_at: null,
        })
        .where("id", "=", killed.id)
        .execute();
    await orphan(2);
    await worker.recover();
    expect(await client.fineTuning.jobs.retrieve(killed.id)).toMatchObject({
      status: "failed",
      error: { code: "worker_lost" },
    });
    await orphan(1);
    await worker.recover();
    const requeued = await db
      .selectFrom("fine_tuning_jobs")
      .select("status")
      .where("id", "=", killed.id)
      .executeTakeFirstOrThrow();
    // Queued again (or already claimed again by the worker); never left with a dead worker.
    expect(["queued", "running"]).toContain(requeued.status);
    await client.fineTuning.jobs.cancel(killed.id);
    await waitFor(() => (worker.childPid(killed.id) === null ? true : null));
    // A job left validating by a server that died is queued (its files are read again when it runs).
    await db
      .updateTable("fine_tuning_jobs")
      .set({ status: "validating_files", finished_at: null })
      .where("id", "=", killed.id)
      .execute();
    await worker.recover({ all: true });
    expect(["queued", "running"]).toContain((await client.fineTuning.jobs.retrieve(killed.id)).status);
    await client.fineTuning.jobs.cancel(killed.id);
    await waitFor(() => (worker.childPid(killed.id) === null ? true : null));
  }, 180_000);

  it("[FT-2] deleting the file keeps the model; deleting the model removes its weights; all audited without content", async () => {
    expect(await client.files.delete(fileId)).toMatchObject({ id: fileId, deleted: true });
    expect(await status(client.files.retrieve(fileId))).toBe(404);
    expect(existsSync(path.join(platform.dataDir, "blobs", "files", fileId))).toBe(false);
    const answer = await client.chat.completions.create({
      model: modelId,
      messages: [{ role: "user", content: "What colour is snow?" }],
      max_tokens: 2,
    });
    expect(answer.model).toBe(modelId);

    const weights = path.join(platform.dataDir, "blobs", "models", jobId);
    expect(existsSync(weights)).toBe(true);
    expect(await client.models.delete(modelId)).toMatchObject({ id: modelId, deleted: true });
    expect(existsSync(weights)).toBe(false);
    expect(await status(client.models.retrieve(modelId))).toBe(404);
    expect(
      await status(
        client.chat.completions.create({ model: modelId, messages: [{ role: "user", content: "hi" }] }),
      ),
    ).toBe(404);

    const entries = await platform.server.platform.db
      .selectFrom("audit_entries")
      .select(["action", "target", "metadata"])
      .where("action", "in", [
        "file.uploaded",
        "file.deleted",
        "fine_tuning_job.created",
        "fine_tuning_job.cancelled",
        "fine_tuning_job.succeeded",
        "fine_tuning_job.failed",
        "fine_tuned_model.deleted",
      ])
      .execute();
    const actions = new Set(entries.map((entry) => entry.action));
    expect([...actions].sort()).toEqual([
      "file.deleted",
      "file.uploaded",
      "fine_tuned_model.deleted",
      "fine_tuning_job.cancelled",
      "fine_tuning_job.created",
      "fine_tuning_job.failed",
      "fine_tuning_job.succeeded",
    ]);
    expect(JSON.stringify(entries)).not.toContain(canary);
    expect(platform.logs()).not.toContain(canary);
    expect(otherOrganization).not.toBe(platform.organization);
  });
});
