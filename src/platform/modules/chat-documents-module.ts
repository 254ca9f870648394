// Chatting with documents (issue 20): the workspace's answers draw on their conversation's attachments and
// on the knowledge collections the user picked, through the documents library; attachments go when their
// conversation goes (deleted, deleted with its user, or expired by retention). The workspace's routes for
// attachments and for knowledge collections.
import { ChatDocuments } from "../../documents/chat-documents.ts";
import { defaultExtractionLimits } from "../../documents/document-types.ts";
import { chatAttachmentRoutes } from "../../http/chat-attachment-routes.ts";
import { ScimError } from "../../identity/scim/scim-errors.ts";
import { knowledgeRoutes, type KnowledgeGroups } from "../../http/knowledge-routes.ts";
import { memberResolver } from "../../http/workspace-route-support.ts";
import type { Member } from "../../workspace/conversation-types.ts";
import { defineModule } from "../module.ts";
import { accessModule } from "./access-module.ts";
import { documentsModule } from "./documents-module.ts";
import { identityModule } from "./identity-module.ts";
import { workspaceModule } from "./workspace-module.ts";

export const chatDocumentsModule = defineModule({
  name: "chat-documents",
  needs: {
    identity: identityModule,
    access: accessModule,
    documents: documentsModule,
    workspace: workspaceModule,
  },
  migrations: [],
  operations: {},
  create({ config }, { identity, access, documents, workspace }) {
    const chatDocuments = new ChatDocuments({
      library: documents,
      groupsOf: (organizationId, userId) => identity.scimGroups.groupsOf(organizationId, userId),
    });
    workspace.chat.knowledge = chatDocuments;
    workspace.conversations.deletion.hooks.push((organizationId, ids) =>
      chatDocuments.conversationsGone(organizationId, ids),
    );
    const knowledgeGroups: KnowledgeGroups = {
      async list(organizationId) {
        const page = await identity.scimGroups.list(organizationId, { count: 200, withMembers: false });
        return page.resources.map((group) => ({ id: group.id, name: group.displayName }));
      },
      exists: (organizationId, groupId) =>
        identity.scimGroups.get(organizationId, groupId, false).then(
          () => true,
          (error: unknown) => {
            if (error instanceof ScimError && error.status === 404) return false;
            throw error;
          },
        ),
    };
    const member = memberResolver({
      sessions: identity.sessions,
      users: identity.users,
      secureCookies: !config.http,
    });
    const upload = {
      member,
      documents: chatDocuments,
      maxBytes: defaultExtractionLimits.maxBytes,
      requireUpload: (caller: Member) => access.requireFeature(caller, "file_upload"),
    };
    return {
      exports: chatDocuments,
      routes: [
        { plugin: chatAttachmentRoutes({ ...upload, conversations: workspace.conversations }) },
        { plugin: knowledgeRoutes({ ...upload, library: documents, groups: knowledgeGroups }) },
      ],
    };
  },
});
