// Measures a model's loss on validation examples: the mean negative log-likelihood of each next token,
// over the same chat rendering and tokens the trainer uses, so it compares with the training loss.
import { llamaRuntime } from "../inference/llama/llama-runtime.ts";
import type { Token } from "node-llama-cpp";
import { trainingTokens, type TrainingExample } from "./trainer/training-tokens.ts";

/**
 * Tokens measured at most. Each measured token asks llama.cpp for the whole next-token distribution
 * (tens of thousands of entries on a real vocabulary), so the cost is bounded here; the loss is that
 * of the validation file's first tokens.
 */
export const maxValidationTokens = 1024;
/** Tokens evaluated per context window. */
const windowTokens = 512;

export interface ValidationLoss {
  loss: number;
  tokens: number;
}

/** Every probability, unchanged: temperature 1 and no top-k, top-p or min-p cut. */
const fullDistribution = { temperature: 1, topK: 0, topP: 1, minP: 0 };

export async function validationLoss(
  modelPath: string,
  examples: readonly TrainingExample[],
  options: { threads: number },
): Promise<ValidationLoss> {
  const tokens = (await trainingTokens(modelPath, { examples })).slice(0, maxValidationTokens + 1);
  const llama = await llamaRuntime({ threads: options.threads });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  try {
    const context = await model.createContext({
      contextSize: Math.min(windowTokens, model.trainContextSize),
      threads: options.threads,
    });
    try {
      const sequence = context.getSequence();
      const window = context.contextSize;
      let total = 0;
      let measured = 0;
      // Windows overlap by one token, so every token but the first is predicted once.
      for (let start = 0; start < tokens.length - 1; start += window - 1) {
        const slice = tokens.slice(start, start + window);
        await sequence.clearHistory();
        const input = slice
          .slice(0, -1)
          .map(
            (token) =>
              [token as Token, { generateNext: { probabilities: true, options: fullDistribution } }] as [
                Token,
                { generateNext: { probabilities: true; options: typeof fullDistribution } },
              ],
          );
        const output = await sequence.controlledEvaluate(input);
        for (let index = 0; index < input.length; index++) {
          const probabilities = output[index]?.next.probabilities;
          if (!probabilities) continue;
          const probability = probabilities.get(slice[index + 1] as Token) ?? 0;
          total += -Math.log(Math.max(probability, 1e-30));
          measured += 1;
        }
      }
      return { loss: measured > 0 ? total / measured : Number.NaN, tokens: measured };
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}
