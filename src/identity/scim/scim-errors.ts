// SCIM's own error shape (RFC 7644 section 3.12): a status and, for 400s, a scimType a client acts on.
export type ScimType =
  | "invalidFilter"
  | "invalidSyntax"
  | "invalidPath"
  | "invalidValue"
  | "noTarget"
  | "mutability"
  | "uniqueness"
  | "tooMany";

export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | null;
  /** Safe to show: it names attributes and ids, never what a user typed as a value. */
  readonly detail: string;
  constructor(status: number, detail: string, scimType: ScimType | null = null) {
    super(detail);
    this.name = "ScimError";
    this.status = status;
    this.scimType = scimType;
    this.detail = detail;
  }
}

export const scimErrors = {
  notFound: (resource: string, id: string) => new ScimError(404, `${resource} ${id} not found.`),
  unauthorized: () => new ScimError(401, "A valid SCIM bearer token is required."),
  invalidFilter: (detail: string) => new ScimError(400, detail, "invalidFilter"),
  invalidSyntax: (detail: string) => new ScimError(400, detail, "invalidSyntax"),
  invalidPath: (path: string) =>
    new ScimError(400, `The path '${path.slice(0, 100)}' is not supported.`, "invalidPath"),
  invalidValue: (detail: string) => new ScimError(400, detail, "invalidValue"),
  uniqueness: (detail: string) => new ScimError(409, detail, "uniqueness"),
  ownerProtected: () =>
    new ScimError(403, "An owner's userName, emails and status are changed in Custodian, not through SCIM."),
} as const;

export const scimErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";

export function scimErrorBody(error: ScimError): Record<string, unknown> {
  return {
    schemas: [scimErrorSchema],
    status: String(error.status),
    ...(error.scimType ? { scimType: error.scimType } : {}),
    detail: error.detail,
  };
}
