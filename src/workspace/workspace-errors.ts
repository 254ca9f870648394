// The workspace domain's errors. A conversation that is not yours is "not found", never "forbidden":
// the answer must not reveal that it exists.
import { CustodianError } from "../core/errors.ts";

export const workspaceErrors = {
  conversationNotFound: (id: string) =>
    new CustodianError(`No conversation with id '${id}'.`, {
      status: 404,
      type: "not_found_error",
      code: "conversation_not_found",
    }),
  /** Revoked, expired, deleted, another organisation's, or never made: all answer alike. */
  shareNotFound: (id: string) =>
    new CustodianError(`No shared conversation with id '${id}'.`, {
      status: 404,
      type: "not_found_error",
      code: "share_not_found",
    }),
  invalid: (message: string, param: string) =>
    new CustodianError(message, { status: 400, type: "invalid_request_error", code: "invalid_value", param }),
  /** An import refused whole: the reason names a place in the export, never its content. */
  invalidExport: (reason: string, param: string | null = null) =>
    new CustodianError(`Import refused, nothing was imported: ${reason}`, {
      status: 400,
      type: "invalid_request_error",
      code: "invalid_export",
      param,
    }),
  exportTooLarge: (maxBytes: number) =>
    new CustodianError(`Import refused, nothing was imported: an export is at most ${maxBytes} bytes.`, {
      status: 413,
      type: "invalid_request_error",
      code: "export_too_large",
    }),
} as const;
