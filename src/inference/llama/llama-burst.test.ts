// Requests that reach a local model together start their prompts together (start-burst.ts): each one
// still gets its own whole answer, and a request that goes away while the others wait for it does not
// keep them waiting.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StreamPart } from "../language-model.ts";
import { writeLlamaGguf } from "../gguf/gguf-writer.ts";
import { LlamaLocalModel } from "./llama-model.ts";

describe("requests that reach a local model together", () => {
  let work: string;
  let model: LlamaLocalModel;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), "custodian-llama-burst-"));
    const modelPath = path.join(work, "tiny.gguf");
    await writeLlamaGguf(modelPath, {
      seed: 7,
      embeddingLength: 64,
      blockCount: 2,
      headCount: 2,
      contextLength: 512,
    });
    model = new LlamaLocalModel({
      id: "tiny",
      path: modelPath,
      threads: 1,
      parallel: 4,
      queue: 4,
      contextSize: 512,
      logger: pino({ level: "silent" }),
    });
    expect(await model.ready()).toBe(true);
  });
  afterAll(async () => {
    await model?.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function streamed(content: string, signal: AbortSignal) {
    let text = "";
    let completionTokens: number | null = null;
    for await (const part of model.stream(
      { model: "tiny", messages: [{ role: "user", content }], max_tokens: 8, temperature: 0 },
      { signal },
    ) as AsyncIterable<StreamPart>) {
      if (part.type === "usage") completionTokens = part.usage.completion_tokens;
      else if (typeof part.delta.content === "string") text += part.delta.content;
    }
    return { text, completionTokens };
  }

  it("[PLAT-1] streams each of four requests sent at once to its own whole answer", async () => {
    const signal = new AbortController().signal;
    const prompts = ["One.", "Two, then.", "Three, and more.", "Four."];
    const alone = await streamed(prompts[2]!, signal);
    const together = await Promise.all(prompts.map((prompt) => streamed(prompt, signal)));
    // Each one runs to its end (the model may end its turn before max_tokens), with its usage.
    for (const answer of together) expect(answer.completionTokens).toBeGreaterThan(0);
    // Greedy sampling: the same prompt gives the same answer alone and beside others.
    expect(together[2]!.text).toBe(alone.text);
  });

  it("[PLAT-3] serves the others when one of them is aborted before it reaches the model", async () => {
    const gone = new AbortController();
    gone.abort(new Error("client went away"));
    const signal = new AbortController().signal;
    const [first, aborted, last] = await Promise.allSettled([
      streamed("Hello.", signal),
      streamed("Hello again.", gone.signal),
      streamed("Bye.", signal),
    ]);
    expect(aborted.status).toBe("rejected");
    for (const served of [first, last]) {
      expect(served.status).toBe("fulfilled");
      if (served.status === "fulfilled") expect(served.value.completionTokens).toBeGreaterThan(0);
    }
  });
});
