// Fine-tuning jobs: unknown fields inside the hyperparameters and `method.supervised` are refused naming
// their whole path, as unknown top-level fields are; the job list refuses a metadata filter (jobs carry no
// metadata) and a page size out of range, rather than ignoring or clamping them. With the official client.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type OpenAI from "openai";
import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLlamaGguf } from "../src/inference/gguf/gguf-writer.ts";
import { startTestPlatform, type TestPlatform } from "./helpers/platform.ts";

const pairs = [
  { prompt: "What colour is the sky?", completion: "Blue." },
  { prompt: "What colour is grass?", completion: "Green." },
];

describe("[FT-1] fine-tuning nested fields and list filters are honoured or refused", () => {
  let platform: TestPlatform;
  let client: OpenAI;
  let directory: string;
  let fileId: string;
  const created: string[] = [];

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), "custodian-ft-nested-"));
    const base = path.join(directory, "tiny-base.gguf");
    await writeLlamaGguf(base, {
      seed: 5,
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

  const refusals: Array<[Record<string, unknown>, string]> = [
    [{ hyperparameters: { n_epochs: 1, beta: 0.1 } }, "hyperparameters.beta"],
    [
      { method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 1, warmup: 10 } } } },
      "method.supervised.hyperparameters.warmup",
    ],
    [
      { method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 1 }, extra: true } } },
      "method.supervised.extra",
    ],
  ];
  for (const [fields, param] of refusals) {
    it(`refuses '${param}' with a 400 naming it, and makes no job`, async () => {
      const before = (await client.fineTuning.jobs.list()).data.length;
      await expect(create(fields)).rejects.toMatchObject({
        status: 400,
        param,
        code: "unsupported_parameter",
      });
      expect((await client.fineTuning.jobs.list()).data.length).toBe(before);
    });
  }

  it("takes the same requests without the unknown fields", async () => {
    const top = await create({ hyperparameters: { n_epochs: 1 } });
    expect(top.hyperparameters.n_epochs).toBe(1);
    const nested = await create({
      method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 2 } } },
    });
    expect(nested.hyperparameters.n_epochs).toBe(2);
  });

  it("refuses a metadata filter on the job list, naming the key; the unfiltered list answers", async () => {
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
