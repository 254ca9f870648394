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
  invalid: (message: string, param: string) =>
    new CustodianError(message, { status: 400, type: "invalid_request_error", code: "invalid_value", param }),
} as const;
