// The audit log's error catalogue: each names what is wrong (a setting, a file, an entry number),
// never the content of an entry.
import { CustodianError } from "../core/errors.ts";

export const auditErrors = {
  /** A caller put free text where the log takes ids and facts: a bug in that caller. */
  metadataTooLong: (key: string) =>
    new CustodianError(`Audit metadata '${key}' is too long to be an id or a fact.`, {
      status: 500,
      type: "server_error",
      code: "audit_metadata_too_long",
    }),
  entryNotFound: (seq: number) =>
    new CustodianError(`The audit log has no entry ${seq}.`, {
      status: 404,
      type: "not_found_error",
      code: "audit_entry_not_found",
      param: "seq",
    }),
  invalidSeq: () =>
    new CustodianError("An audit entry number is a whole number from 1.", {
      status: 400,
      type: "invalid_request_error",
      code: "invalid_seq",
      param: "seq",
    }),
  /** This process has no signing key (tests of other domains run the log without one). */
  notSigning: () =>
    new CustodianError("This audit log signs no checkpoints: no signing key is configured.", {
      status: 409,
      type: "invalid_request_error",
      code: "audit_not_signing",
    }),
  /** A checkpoint could not be made: the reason is a fact about the log (sizes, entry numbers). */
  checkpointRefused: (reason: string) =>
    new CustodianError(`No checkpoint was signed: ${reason}.`, {
      status: 409,
      type: "server_error",
      code: "audit_checkpoint_refused",
    }),
  /** The stored tree does not lead from this entry to the signed root: the log was altered. */
  notProvable: (seq: number, size: number) =>
    new CustodianError(
      `Entry ${seq} is not in the signed tree of ${size} entries: the log was altered; run \`custodian audit verify\`.`,
      { status: 409, type: "server_error", code: "audit_entry_not_provable" },
    ),
  signingKeyFile: (file: string, reason: string) =>
    new CustodianError(`The audit signing key file ${file} ${reason}.`, {
      status: 500,
      type: "server_error",
      code: "audit_signing_key_unusable",
    }),
  invalidVerifierKey: () =>
    new CustodianError(
      "The public key is not a signed-note verifier key (<name>+<8 hex digits>+<base64 Ed25519 key>).",
      { status: 400, type: "invalid_request_error", code: "invalid_public_key", param: "public_key" },
    ),
  /** An export that cannot be read as one: refused whole, with the reason. */
  malformedExport: (reason: string) =>
    new CustodianError(`The file is not an audit log export: ${reason}.`, {
      status: 400,
      type: "invalid_request_error",
      code: "malformed_audit_export",
    }),
} as const;
