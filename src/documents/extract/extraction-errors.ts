// Why a document could not be read, in words fit for its uploader: never the document's content.
import { CustodianError } from "../../core/errors.ts";

function refused(message: string, code: string, status = 400): CustodianError {
  return new CustodianError(message, { status, type: "invalid_request_error", code, param: "file" });
}

export const extractionErrors = {
  unsupported: (filename: string) =>
    refused(
      `'${filename}' is not a supported document: PDF, DOCX, PPTX, XLSX, CSV, HTML, Markdown, plain text and source code are.`,
      "unsupported_file",
    ),
  tooLarge: (maxBytes: number) =>
    refused(`A document may be at most ${maxBytes} bytes.`, "file_too_large", 413),
  unpacksTooLarge: (filename: string, maxUnpackedBytes: number) =>
    refused(
      `'${filename}' unpacks to more than ${maxUnpackedBytes} bytes, more than a document may hold.`,
      "file_too_large",
      413,
    ),
  encrypted: (filename: string) =>
    refused(
      `'${filename}' is password-protected; remove the password and upload it again.`,
      "encrypted_file",
    ),
  corrupt: (filename: string) =>
    refused(`'${filename}' could not be read: the file is damaged.`, "corrupt_file"),
  empty: (filename: string) => refused(`'${filename}' holds no text to search.`, "empty_document"),
  tooComplex: (filename: string) =>
    refused(
      `'${filename}' could not be read within the time and memory a document may take; split it or simplify it.`,
      "document_too_complex",
      422,
    ),
  busy: () =>
    new CustodianError("Too many documents are being read right now; try again shortly.", {
      status: 503,
      type: "server_error",
      code: "extraction_busy",
      retryable: true,
    }),
} as const;
