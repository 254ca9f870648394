// The access domain's errors: a refused permission or feature, and conflicts over roles.
import { CustodianError } from "../core/errors.ts";
import type { Feature } from "./features.ts";
import type { Permission } from "./permissions.ts";

export const accessErrors = {
  permissionDenied: (permission: Permission) =>
    new CustodianError(`Your role does not grant '${permission}'.`, {
      status: 403,
      type: "permission_error",
      code: "permission_denied",
    }),
  featureDisabled: (feature: Feature) =>
    new CustodianError(`The feature '${feature}' is switched off for you.`, {
      status: 403,
      type: "permission_error",
      code: "feature_disabled",
    }),
  modelNotAllowed: (model: string) =>
    new CustodianError(`The model '${model}' is not allowed here.`, {
      status: 403,
      type: "permission_error",
      code: "model_not_allowed",
      param: "model",
    }),
  roleNotFound: (name: string) =>
    new CustodianError(`No role named '${name}'.`, {
      status: 404,
      type: "not_found_error",
      code: "role_not_found",
    }),
  memberNotFound: (id: string) =>
    new CustodianError(`No member with id '${id}'.`, {
      status: 404,
      type: "not_found_error",
      code: "member_not_found",
    }),
  roleInUse: (name: string) =>
    new CustodianError(`The role '${name}' is still given to members.`, {
      status: 409,
      type: "invalid_request_error",
      code: "role_in_use",
    }),
  roleExists: (name: string) =>
    new CustodianError(`A role named '${name}' already exists.`, {
      status: 409,
      type: "invalid_request_error",
      code: "role_exists",
    }),
  invalid: (message: string, param: string) =>
    new CustodianError(message, { status: 400, type: "invalid_request_error", code: "invalid_value", param }),
  undeclaredRoute: () =>
    new CustodianError("This route declares no permission, so it is closed.", {
      status: 403,
      type: "permission_error",
      code: "permission_undeclared",
    }),
  notHeld: (permission: Permission) =>
    new CustodianError(`You cannot grant '${permission}': your own roles do not grant it.`, {
      status: 403,
      type: "permission_error",
      code: "permission_not_held",
    }),
  ownRole: (name: string) =>
    new CustodianError(`You hold the role '${name}': another owner or admin changes it, not you.`, {
      status: 403,
      type: "permission_error",
      code: "own_role",
    }),
  ownerOnly: () =>
    new CustodianError("Only an owner may give or take away the owner role.", {
      status: 403,
      type: "permission_error",
      code: "owner_only",
    }),
} as const;
