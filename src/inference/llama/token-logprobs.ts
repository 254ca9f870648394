// Inside the llama.cpp worker: the log probability of each token a local model samples, and of its
// most likely alternatives, for `logprobs` / `top_logprobs`. node-llama-cpp's LlamaChat and
// LlamaCompletion drive generation through their sequence's `evaluate`; while a request that asks for
// logprobs runs, that sequence's `evaluate` is node-llama-cpp's own `evaluateWithMetadata` (the
// sampled token's probability, and the candidates' when alternatives are asked for), read here token
// by token. The probabilities are those the sampler draws from (after node-llama-cpp's repeat
// penalty): over the whole vocabulary at temperature 0; above it, over the candidates top-k (40) and
// top_p keep, at that temperature, so fewer alternatives than asked may be listed. Tokens are
// matched to the answer's text by their bytes, decoded as the text was, so each streamed text chunk
// carries the tokens that wrote it.
import type { LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { byteSymbols } from "../gguf/byte-level-vocabulary.ts";
import type { TokenLogprob } from "./llama-protocol.ts";

/** OpenAI's floor for a probability too small for a float (never -Infinity, which JSON cannot carry). */
const floor = -9999;

function logOf(probability: number): number {
  return probability > 0 ? Math.min(0, Math.log(probability)) : floor;
}

/** One sampled token: its id and probability, and the candidates' (most likely first) when asked. */
interface Sampled {
  token: Token;
  probability: number;
  candidates: Array<[Token, number]>;
}

/** A token's exact bytes, read from the model's vocabulary: one token may be part of a character. */
export class TokenBytes {
  readonly #model: LlamaModel;
  readonly #vocabulary: readonly unknown[];
  readonly #kind: string | undefined;
  readonly #byteOf: Map<string, number> | null;
  readonly #cache = new Map<Token, Uint8Array>();

  constructor(model: LlamaModel) {
    this.#model = model;
    const metadata = model.fileInfo.metadata as {
      tokenizer?: { ggml?: { tokens?: unknown; model?: unknown } };
    };
    const tokens = metadata.tokenizer?.ggml?.tokens;
    this.#vocabulary = Array.isArray(tokens) ? tokens : [];
    this.#kind =
      typeof metadata.tokenizer?.ggml?.model === "string" ? metadata.tokenizer.ggml.model : undefined;
    // Byte-level BPE (GPT-2's scheme) writes each byte as one printable symbol.
    this.#byteOf =
      this.#kind === "gpt2" ? new Map(byteSymbols().map((symbol, byte) => [symbol, byte])) : null;
  }

  of(token: Token): Uint8Array {
    let bytes = this.#cache.get(token);
    if (!bytes) {
      bytes = this.#read(token);
      this.#cache.set(token, bytes);
    }
    return bytes;
  }

  #read(token: Token): Uint8Array {
    const piece = this.#vocabulary[token];
    const text = () => Buffer.from(this.#model.detokenize([token], false), "utf8");
    if (typeof piece !== "string" || this.#model.isSpecialToken(token)) return text();
    if (this.#byteOf) {
      const bytes: number[] = [];
      for (const symbol of piece) {
        const byte = this.#byteOf.get(symbol);
        if (byte === undefined) return text();
        bytes.push(byte);
      }
      return Uint8Array.from(bytes);
    }
    if (this.#kind === "llama") {
      // SentencePiece: "<0x0A>" is one byte, "▁" a space.
      const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
      if (byte) return Uint8Array.of(parseInt(byte[1]!, 16));
      return Buffer.from(piece.replaceAll("\u2581", " "), "utf8");
    }
    return text();
  }
}

export class TokenLogprobs {
  readonly #bytes: TokenBytes;
  /** How many alternatives each token lists (top_logprobs). */
  readonly #top: number;
  readonly #sampled: Sampled[] = [];
  /**
   * Tokens already matched to text, the characters their bytes decode to, and the characters of text
   * given. Decoding as the text was decoded (a character split over tokens completes with its last
   * byte; a byte that is no UTF-8 becomes U+FFFD) keeps the two counts in step.
   */
  #taken = 0;
  #takenChars = 0;
  #textChars = 0;
  readonly #decoder = new TextDecoder("utf-8");

  constructor(bytes: TokenBytes, top: number) {
    this.#bytes = bytes;
    this.#top = top;
  }

  /** Reads each token `sequence` samples until the returned function is called. */
  attach(sequence: LlamaContextSequence): () => void {
    const sampled = this.#sampled;
    const alternatives = this.#top > 0;
    const evaluate: LlamaContextSequence["evaluate"] = async function* (tokens, options) {
      const iterator = sequence.evaluateWithMetadata(
        tokens,
        { confidence: true, probabilities: alternatives },
        options,
      );
      let input: void | Token | Token[] = undefined;
      try {
        while (true) {
          const next = await iterator.next(input);
          if (next.done) return;
          const { token, confidence, probabilities } = next.value as {
            token: Token;
            confidence: number;
            probabilities?: Map<Token, number>;
          };
          sampled.push({ token, probability: confidence, candidates: top(probabilities, alternatives) });
          input = yield token;
        }
      } finally {
        await iterator.return();
      }
    };
    Object.defineProperty(sequence, "evaluate", { value: evaluate, configurable: true, writable: true });
    return () => Reflect.deleteProperty(sequence, "evaluate");
  }

  /** The tokens that wrote `text`, the next streamed piece of the answer (a token cut by a chunk goes with its first part). */
  take(text: string): TokenLogprob[] {
    this.#textChars += text.length;
    const taken: TokenLogprob[] = [];
    while (this.#takenChars < this.#textChars && this.#taken < this.#sampled.length) {
      const sampled = this.#sampled[this.#taken++]!;
      this.#takenChars += this.#decoder.decode(this.#bytes.of(sampled.token), { stream: true }).length;
      taken.push(this.#entry(sampled));
    }
    return taken;
  }

  #entry(sampled: Sampled): TokenLogprob {
    return {
      ...this.#describe(sampled.token, sampled.probability),
      top: sampled.candidates.slice(0, this.#top).map(([token, p]) => this.#describe(token, p)),
    };
  }

  #describe(token: Token, probability: number): Omit<TokenLogprob, "top"> {
    const bytes = this.#bytes.of(token);
    return { token: Buffer.from(bytes).toString("utf8"), logprob: logOf(probability), bytes: [...bytes] };
  }
}

function top(probabilities: Map<Token, number> | undefined, wanted: boolean): Array<[Token, number]> {
  if (!wanted || !probabilities) return [];
  // The map is sorted most likely first; at most 20 alternatives are ever asked for.
  const candidates: Array<[Token, number]> = [];
  for (const entry of probabilities) {
    candidates.push(entry);
    if (candidates.length === 20) break;
  }
  return candidates;
}
