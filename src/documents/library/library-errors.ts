// The library's refusals, in the API's usual shape; never a collection's or a document's content.
import { CustodianError, errors } from "../../core/errors.ts";

export const libraryErrors = {
  collectionNotFound: (id: string) =>
    new CustodianError(`No vector store found with id '${id}'.`, {
      status: 404,
      type: "invalid_request_error",
      code: "not_found",
    }),
  documentNotFound: (id: string) =>
    new CustodianError(`No file found with id '${id}' in this vector store.`, {
      status: 404,
      type: "invalid_request_error",
      code: "not_found",
    }),
  expired: (id: string) =>
    new CustodianError(`The vector store '${id}' has expired.`, {
      status: 400,
      type: "invalid_request_error",
      code: "vector_store_expired",
    }),
  notOwner: () => errors.forbidden("Only the collection's owners may do this.", "not_collection_owner"),
  invalid: (message: string, param: string) => errors.invalidRequest(message, param),
} as const;
