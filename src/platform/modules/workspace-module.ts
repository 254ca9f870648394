// The workspace module: the chat app's conversations, chatting (metered and gated like /v1), retention
// and its purge, with the workspace's HTTP routes.
import { workspaceRoutes } from "../../http/workspace-routes.ts";
import { conversationImportOperations } from "../../workspace/conversation-import-operations.ts";
import { createWorkspaceModule } from "../../workspace/workspace-module.ts";
import { defineModule } from "../module.ts";
import { accessModule } from "./access-module.ts";
import { identityModule } from "./identity-module.ts";
import { modelsModule } from "./models-module.ts";
import { privacyModule } from "./privacy-module.ts";
import { usageModule } from "./usage-module.ts";

import { workspaceRetentionExportSection } from "../../privacy/export-settings-sections.ts";

export const workspaceModule = defineModule({
  name: "workspace",
  needs: {
    identity: identityModule,
    access: accessModule,
    privacy: privacyModule,
    usage: usageModule,
    models: modelsModule,
  },
  migrations: ["0700-workspace", "0950-workspace-threads", "1050-message-citations"],
  operations: conversationImportOperations,
  create({ config, db, keyring, audit, logger }, { identity, access, privacy, usage, models }) {
    const workspace = createWorkspaceModule({
      db,
      keyring,
      audit,
      models,
      logger,
      deletionWindowMs: config.deletionWindowMs,
      purgeIntervalMs: config.purgeIntervalMs,
      // The member's allow-lists, then HIPAA mode's covered backends: the workspace is refused what /v1 is.
      gate: async (member, model) => {
        await access.models.gate(member, model);
        await privacy.hipaa.checkModel(member.organizationId, model);
      },
      // Answers spend their user's and groups' token budgets and are metered with the user id.
      meters: [
        {
          admit: (member) => usage.policy.admitMember(member),
          completed: (answer) =>
            usage.recorder.workspaceCompleted({
              requestId: answer.requestId,
              organizationId: answer.member.organizationId,
              workspaceId: answer.member.workspaceId,
              userId: answer.member.userId,
              model: answer.model,
              usage: answer.usage,
              status: answer.status,
              startedAt: answer.startedAt,
            }),
        },
      ],
    });
    return {
      exports: workspace,
      // Deleting a user (SCIM) deletes their conversations too: keys destroyed at once, rows purged.
      userDeleted: [
        (organizationId, userId, actor) =>
          workspace.conversations.deleteAllOf(organizationId, userId, actor).then(() => undefined),
      ],
      exportSections: [workspaceRetentionExportSection(identity.users, workspace.retention)],
      tasks: [workspace.purgeTask],
      routes: [
        {
          plugin: workspaceRoutes({
            sessions: identity.sessions,
            users: identity.users,
            conversations: workspace.conversations,
            chat: workspace.chat,
            models,
            secureCookies: !config.http,
            allowedModels: access.models.allowedFor,
            requireExport: (member) => access.requireFeature(member, "export"),
            requireSharing: (member) => access.requireFeature(member, "sharing"),
          }),
        },
      ],
    };
  },
});
