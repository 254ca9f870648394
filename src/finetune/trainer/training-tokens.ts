// Tokenises training data exactly as the server renders chats for inference: the model's own chat wrapper.

import { availableParallelism } from "node:os";
import type { LlamaModel, Token } from "node-llama-cpp";
import { toChatHistory } from "../../inference/llama/chat-history.ts";
import { llamaLibrary, llamaRuntime } from "../../inference/llama/llama-runtime.ts";
import type { ChatMessage } from "../../inference/language-model.ts";

/** One chat-format example, as in OpenAI's fine-tuning files. */
export interface TrainingExample {
  messages: ChatMessage[];
}

/**
 * The token that closes a model turn. Chat wrappers leave the last turn open (inference
 * continues it), so training appends the end-of-turn marker explicitly: the model's `eot` token
 * when the wrapper stops on it, otherwise the wrapper's first stop trigger (for ChatML, `<|im_end|>`).
 */
function endOfTurnToken(
  model: LlamaModel,
  triggers: readonly { tokenize(tokenizer: LlamaModel["tokenizer"]): Token[] }[],
): Token[] {
  const stops = triggers
    .map((trigger) => trigger.tokenize(model.tokenizer))
    .filter((tokens) => tokens.length > 0);
  const eot = model.tokens.eot;
  const matching = stops.find((tokens) => tokens.length === 1 && tokens[0] === eot);
  return matching ?? stops[0] ?? [];
}

/**
 * Loads only the base model's vocabulary (no weights) in the process's llama.cpp runtime and
 * renders each example through the chat wrapper the llama provider uses, so a fine-tuned model
 * sees at training time the very token layout it will be served with.
 */
export async function trainingTokens(
  baseModel: string,
  input: { examples?: readonly TrainingExample[]; text?: string },
): Promise<number[]> {
  const llama = await llamaRuntime({ threads: availableParallelism() });
  const model = await llama.loadModel({ modelPath: baseModel, vocabOnly: true });
  try {
    if (input.text !== undefined) return Array.from(model.tokenize(input.text, true));
    const { resolveChatWrapper } = await llamaLibrary();
    const wrapper = resolveChatWrapper(model);
    const tokens: number[] = [];
    for (const example of input.examples ?? []) {
      const history = toChatHistory(example.messages);
      history.pop(); // toChatHistory ends with an empty model turn to generate into; training has the answer.
      const state = wrapper.generateContextState({ chatHistory: history });
      tokens.push(
        ...state.contextText.tokenize(model.tokenizer),
        ...endOfTurnToken(model, state.stopGenerationTriggers),
      );
    }
    return tokens;
  } finally {
    await model.dispose();
  }
}
