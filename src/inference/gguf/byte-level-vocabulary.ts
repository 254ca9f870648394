// The byte-level vocabulary of GPT-2's tokenizer: one printable symbol for each of the 256 bytes.

/**
 * GPT-2's `bytes_to_unicode`: printable Latin-1 bytes stand for themselves, the others are
 * shifted to code points from 256 upwards, so that every byte has a visible, unique symbol.
 * llama.cpp's `gpt2` tokenizer maps text bytes through this same table.
 */
export function byteSymbols(): string[] {
  const printable = (byte: number) =>
    (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
  const symbols: string[] = [];
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    symbols.push(String.fromCodePoint(printable(byte) ? byte : 256 + shifted++));
  }
  return symbols;
}

/** The control tokens that follow the 256 byte symbols, in id order. */
export const controlTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] as const;

export const endOfTextTokenId = 256;
export const imStartTokenId = 257;
export const imEndTokenId = 258;
