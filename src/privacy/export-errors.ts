// The organisation export's errors: what an export request may be refused for.
import { CustodianError } from "../core/errors.ts";

export const exportErrors = {
  /** File contents ride inside one JSON document, so their total is bounded; metadata has no bound. */
  contentTooLarge: (bytes: number, maxBytes: number) =>
    new CustodianError(
      `The organisation's files hold ${bytes} bytes, more than the ${maxBytes} an export with contents carries. ` +
        "Export without contents and fetch each file from /v1/files/{id}/content.",
      { status: 413, type: "invalid_request_error", code: "export_too_large", param: "include_content" },
    ),
} as const;
