// The fine-tuning domain's error catalogue.
import { CustodianError, errors } from "../core/errors.ts";

export const finetuneErrors = {
  jobNotFound: (id: string) => errors.notFound("fine-tuning job", id),
  notCancellable: (id: string, status: string) =>
    new CustodianError(`The fine-tuning job '${id}' is ${status} and can no longer be cancelled.`, {
      status: 400,
      type: "invalid_request_error",
      code: "job_not_cancellable",
    }),
} as const;
