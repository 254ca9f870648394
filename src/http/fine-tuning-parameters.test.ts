// Fine-tuning's `method` and hyperparameters (unknown nested fields included), honoured or refused with a 400
// naming the parameter, and
// reported in the job's events; DELETE /v1/models/{model} for a base model. With the official client.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type OpenAI from "openai";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLlamaGguf } from "../inference/gguf/gguf-writer.ts";
import { startTestPlatform, type TestPlatform } from "../../test/helpers/platform.ts";

const pairs = [
  { prompt: "What colour is the sky?", completion: "Blue." },
  { prompt: "What colour is grass?", completion: "Green." },
];

describe("[FT-1] fine-tuning parameters are honoured or refused", () => {
  let platform: TestPlatform;
  let client: OpenAI;
  let directory: string;
  let fileId: string;
  const created: string[] = [];

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), "custodian-ft-parameters-"));
    const base = path.join(directory, "tiny-base.gguf");
    await writeLlamaGguf(base, {
      seed: 3,
      embeddingLength: 32,
      blockCount: 1,
      headCount: 2,
      contextLength: 256,
    });
    platform = await startTestPlatform({
      env: {
        CUSTODIAN_MODELS: JSON.stringify([{ id: "tiny-base", path: base }]),
        CUSTODIAN_LLAMA_THREADS: "1",
        CUSTODIAN_LLAMA_CONTEXT_SIZE: "256",
      },
    });
    client = platform.client({ timeout: 60_000 });
    const body = Buffer.from(pairs.map((pair) => JSON.stringify(pair)).join("\n") + "\n");
    fileId = (await client.files.create({ file: await toFile(body, "pairs.jsonl"), purpose: "fine-tune" }))
      .id;
  });

  afterAll(async () => {
    for (const id of created) await client.fineTuning.jobs.cancel(id).catch(() => undefined);
    await platform?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const create = async (fields: Record<string, unknown>) => {
    const job = await client.fineTuning.jobs.create({
      model: "tiny-base",
      training_file: fileId,
      ...fields,
    } as OpenAI.FineTuning.JobCreateParams);
    created.push(job.id);
    return job;
  };

  it("runs supervised with the method's hyperparameters, and its events report them", async () => {
    const job = await create({
      method: {
        type: "supervised",
        supervised: { hyperparameters: { n_epochs: 1, batch_size: "auto", learning_rate_multiplier: 2 } },
      },
    });
    expect(job.hyperparameters).toMatchObject({ n_epochs: 1, batch_size: 1, learning_rate_multiplier: 2 });
    expect(job.method).toEqual({
      type: "supervised",
      supervised: { hyperparameters: { n_epochs: 1, batch_size: 1, learning_rate_multiplier: 2 } },
    });
    const events = (await client.fineTuning.jobs.listEvents(job.id, { limit: 100 })).data;
    const reported = events.find(
      (event) => (event.data as { method?: string } | null)?.method === "supervised",
    );
    expect(reported?.data).toEqual({
      method: "supervised",
      n_epochs: 1,
      batch_size: 1,
      learning_rate_multiplier: 2,
    });
    expect(reported?.message).toContain("1 epochs");
  });

  it("takes the top-level hyperparameters too, and resolves auto", async () => {
    const job = await create({ hyperparameters: { n_epochs: 2 } });
    expect(job.hyperparameters).toMatchObject({ n_epochs: 2, batch_size: 1, learning_rate_multiplier: 1 });
    const events = (await client.fineTuning.jobs.listEvents(job.id, { limit: 100 })).data;
    expect(events.some((event) => (event.data as { n_epochs?: number } | null)?.n_epochs === 2)).toBe(true);
  });

  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ["dpo", { method: { type: "dpo", dpo: { hyperparameters: { beta: 0.1 } } } }, "method.type"],
    ["reinforcement", { method: { type: "reinforcement" } }, "method.type"],
    [
      "a zero epoch count",
      { method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 0 } } } },
      "method.supervised.hyperparameters.n_epochs",
    ],
    [
      "a batch size the trainer cannot take",
      { method: { type: "supervised", supervised: { hyperparameters: { batch_size: 8 } } } },
      "method.supervised.hyperparameters.batch_size",
    ],
    [
      "a negative learning rate multiplier",
      { hyperparameters: { learning_rate_multiplier: -1 } },
      "hyperparameters.learning_rate_multiplier",
    ],
    [
      "hyperparameters given twice",
      {
        hyperparameters: { n_epochs: 1 },
        method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 2 } } },
      },
      "hyperparameters",
    ],
    ["an integration", { integrations: [{ type: "wandb", wandb: { project: "p" } }] }, "integrations"],
    // Unknown nested fields are refused as unknown top-level ones are: taken and unused they would look honoured.
    ["an unknown hyperparameter", { hyperparameters: { n_epochs: 1, beta: 0.1 } }, "hyperparameters.beta"],
    [
      "an unknown nested hyperparameter",
      { method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 1, warmup: 10 } } } },
      "method.supervised.hyperparameters.warmup",
    ],
    [
      "an unknown field of method.supervised",
      { method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 1 }, extra: true } } },
      "method.supervised.extra",
    ],
  ];
  for (const [name, fields, param] of refusals) {
    it(`refuses ${name} with a 400 naming '${param}'`, async () => {
      const before = (await client.fineTuning.jobs.list()).data.length;
      await expect(create(fields)).rejects.toMatchObject({ status: 400, param });
      // Nothing half-written: no job was made.
      expect((await client.fineTuning.jobs.list()).data.length).toBe(before);
    });
  }

  it("[CTL-3] DELETE /v1/models: a base model is refused plainly, an unknown one is not found", async () => {
    const refused = await client.models.delete("tiny-base").catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 403, code: "model_not_deletable" });
    expect((refused as Error).message).toContain("base model");
    expect((refused as Error).message).not.toContain("does not exist");
    expect((await client.models.retrieve("tiny-base")).id).toBe("tiny-base");
    await expect(client.models.delete("ft:tiny-base:someone-else:abc")).rejects.toMatchObject({
      status: 404,
    });
  });

  it("refuses a metadata filter on the job list, naming the key; the unfiltered list answers", async () => {
    await create({ hyperparameters: { n_epochs: 1 } });
    await create({ hyperparameters: { n_epochs: 1 } });
    await expect(client.fineTuning.jobs.list({ metadata: { team: "search" } })).rejects.toMatchObject({
      status: 400,
      param: "metadata[team]",
      code: "unsupported_parameter",
    });
    expect((await client.fineTuning.jobs.list()).data.length).toBeGreaterThanOrEqual(2);
  });

  it("refuses a list 'limit' outside 1 to 100; one inside it is honoured", async () => {
    for (const limit of [0, 101])
      await expect(client.fineTuning.jobs.list({ limit })).rejects.toMatchObject({
        status: 400,
        param: "limit",
      });
    expect((await client.fineTuning.jobs.list({ limit: 100 })).data.length).toBeGreaterThanOrEqual(2);
    const one = await client.fineTuning.jobs.list({ limit: 1 });
    expect(one.data).toHaveLength(1);
    expect(one.has_more).toBe(true);
  });
});
