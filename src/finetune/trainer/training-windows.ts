// Cuts a token stream into fixed training windows with next-token labels, in a seeded order.

export interface TrainingWindows {
  /** `count * window` token ids: window i is inputs[i*window .. (i+1)*window). */
  inputs: Int32Array;
  /** The same windows shifted by one token: the token each position should predict. */
  labels: Int32Array;
  count: number;
}

/**
 * Overlapping windows every `stride` tokens. A text shorter than one window is repeated until
 * it fills one, so that a handful of fine-tuning examples still trains.
 */
export function trainingWindows(
  tokens: readonly number[],
  window: number,
  options: { stride?: number; seed: number },
): TrainingWindows {
  if (tokens.length < 2) throw new RangeError("the training text has fewer than two tokens");
  let stream = [...tokens];
  while (stream.length < window + 1) stream = stream.concat(tokens);
  const stride = Math.max(1, options.stride ?? Math.floor(window / 2));
  const count = Math.floor((stream.length - window - 1) / stride) + 1;
  const order = seededShuffle(
    Array.from({ length: count }, (_, index) => index),
    options.seed,
  );
  const inputs = new Int32Array(count * window);
  const labels = new Int32Array(count * window);
  order.forEach((start, slot) => {
    const from = start * stride;
    inputs.set(stream.slice(from, from + window), slot * window);
    labels.set(stream.slice(from + 1, from + window + 1), slot * window);
  });
  return { inputs, labels, count };
}

function seededShuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0 || 1;
  const next = () => {
    // xorshift32: enough to vary the order; nothing here needs statistical quality.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}
