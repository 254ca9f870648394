// The administrative operation behind `custodian import FILE --org ID --user ID` (OWN-2): load a user's
// export into their account here, through the same checked, all-or-nothing import as the API.
import { requiredText, type Operation } from "../core/operation-input.ts";
import type { ConversationService } from "./conversation-service.ts";

/** The identity domain's lookups the operation needs: that the user exists, and their workspace. */
export interface ImportUserLookup {
  get(organizationId: string, userId: string): Promise<unknown>;
  defaultWorkspace(organizationId: string): Promise<{ id: string }>;
}

export function conversationImportOperations(
  dependencies: {
    conversations: ConversationService;
    users: ImportUserLookup;
    checkOrganization: (organizationId: string) => Promise<unknown>;
  },
  actor: string,
): Record<string, Operation> {
  return {
    /** `export` is the export file's text; the answer names the new conversations, never their content. */
    async importConversations(input) {
      const organizationId = requiredText(input, "organization");
      await dependencies.checkOrganization(organizationId);
      const userId = requiredText(input, "user");
      await dependencies.users.get(organizationId, userId);
      const workspace = await dependencies.users.defaultWorkspace(organizationId);
      const text = requiredText(input, "export");
      return dependencies.conversations.importText(
        { organizationId, workspaceId: workspace.id, userId },
        text,
        actor,
      );
    },
  };
}
