// Text and its positions out of an uploaded document. This first version reads plain text only; the
// extraction work of issue 20 adds the other formats behind this one function.
import { defaultExtractionLimits, type ExtractedDocument, type ExtractionLimits } from "../document-types.ts";
import { extractionErrors } from "./extraction-errors.ts";

export interface DocumentInput {
  filename: string;
  content: Buffer;
  mediaType?: string;
}

export async function extractDocument(
  input: DocumentInput,
  limits: ExtractionLimits = defaultExtractionLimits,
): Promise<ExtractedDocument> {
  if (input.content.length > limits.maxBytes) throw extractionErrors.tooLarge(limits.maxBytes);
  if (input.content.includes(0)) throw extractionErrors.unsupported(input.filename);
  const text = input.content.toString("utf8").slice(0, limits.maxCharacters);
  if (text.trim() === "") throw extractionErrors.empty(input.filename);
  return { format: "text", pages: null, blocks: [{ text, page: null, heading: null }] };
}
