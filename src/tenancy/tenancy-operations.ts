// The tenancy domain's administrative operations: organisations, for the installation's administrator.
import { Type } from "@sinclair/typebox";
import { defineOperation, installationOnly } from "../core/operation.ts";
import type { TenancyService } from "./tenancy-service.ts";

const operation = defineOperation<{ tenancy: TenancyService }>();

export const tenancyOperations = {
  createOrganization: operation({
    description: "create an organisation (with a default project)",
    permission: installationOnly,
    input: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }),
    output: Type.Object({ id: Type.String(), name: Type.String(), project: Type.String() }),
    async run({ tenancy }, input, caller) {
      const { organization, project } = await tenancy.createOrganization(input.name, caller.actor);
      return { id: organization.id, name: organization.name, project: project.id };
    },
  }),
  listOrganizations: operation({
    description: "list organisations",
    permission: installationOnly,
    input: Type.Object({}),
    output: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
    async run({ tenancy }) {
      return (await tenancy.listOrganizations()).map((organization) => ({
        id: organization.id,
        name: organization.name,
      }));
    },
  }),
};
