// The administrative operation behind `custodian import FILE --org ID --user ID` (OWN-2): load a user's
// export into their account here, through the same checked, all-or-nothing import as the API.
import { Type } from "@sinclair/typebox";
import { defineOperation, installationOnly, OrganizationId } from "../core/operation.ts";
import type { IdentityServices } from "../identity/identity-services.ts";
import type { WorkspaceModule } from "./workspace-module.ts";

const operation = defineOperation<{
  workspace: WorkspaceModule;
  identity: IdentityServices;
  tenancy: { getOrganization(organizationId: string): Promise<unknown> };
}>();

export const conversationImportOperations = {
  importConversations: operation({
    description: "load a user's conversations export into that user's account here",
    permission: installationOnly,
    // `export` is the export file's text, whose size the CLI bounds before sending it.
    input: Type.Object({
      organization: OrganizationId,
      user: Type.String({ minLength: 1 }),
      export: Type.String(),
    }),
    // The answer names the new conversations, never their content.
    output: Type.Object({
      conversations: Type.Array(
        Type.Object({ id: Type.String(), source_id: Type.String(), messages: Type.Integer() }),
      ),
      messages: Type.Integer(),
      digest: Type.String(),
    }),
    async run({ workspace, identity, tenancy }, input, caller) {
      await tenancy.getOrganization(input.organization);
      await identity.users.get(input.organization, input.user);
      const { id: workspaceId } = await identity.users.defaultWorkspace(input.organization);
      return workspace.conversations.importText(
        { organizationId: input.organization, workspaceId, userId: input.user },
        input.export,
        caller.actor,
      );
    },
  }),
};
