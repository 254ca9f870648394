// The errors a model pull can end with; their messages name URLs' hosts and sizes, never file contents.
import { CustodianError } from "../../core/errors.ts";

const facts = (code: string, retryable: boolean) =>
  ({ status: 502, type: "server_error", code, retryable }) as const;

export const pullErrors = {
  httpStatus: (host: string, status: number) =>
    new CustodianError(
      `The download from ${host} failed with status ${status}.`,
      facts("pull_http_status", status >= 500),
    ),
  tooManyRedirects: (host: string) =>
    new CustodianError(
      `The download from ${host} redirected too many times.`,
      facts("pull_redirects", false),
    ),
  interrupted: (host: string, attempts: number) =>
    new CustodianError(
      `The download from ${host} was interrupted ${attempts} times; run the pull again to resume it.`,
      facts("pull_interrupted", true),
    ),
  checksumMismatch: (expected: string, actual: string) =>
    new CustodianError(
      `The downloaded file's SHA-256 is ${actual}, but the hub announced ${expected}; the file was deleted.`,
      facts("pull_checksum_mismatch", false),
    ),
  sizeMismatch: (expected: number, actual: number) =>
    new CustodianError(
      `The download ended at ${actual} bytes, but the server announced ${expected}.`,
      facts("pull_size_mismatch", true),
    ),
} as const;
