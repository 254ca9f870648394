// What the workspace's route files share: their dependencies, finding the signed-in member, and how
// conversations and messages are rendered on the wire.
import type { FastifyRequest } from "fastify";
import type { SessionService } from "../identity/session-service.ts";
import type { UserService } from "../identity/user-service.ts";
import type { ModelRouter } from "../inference/model-router.ts";
import type { Citation } from "../workspace/chat-knowledge.ts";
import type { ConversationChat } from "../workspace/conversation-chat.ts";
import type {
  ConversationService,
  ConversationSummary,
  Member,
  StoredMessage,
} from "../workspace/conversation-service.ts";
import { requireSession, requireSessionForChange } from "./session.ts";

export interface WorkspaceRoutesDependencies {
  sessions: SessionService;
  users: UserService;
  conversations: ConversationService;
  chat: ConversationChat;
  models: ModelRouter;
  secureCookies: boolean;
  /** Which models a member may use (feature switches); every model when absent. */
  allowedModels?: (member: Member) => Promise<(modelId: string) => boolean>;
  /** Throws 403 when a feature switch turns "export" off for the member. */
  requireExport?: (member: Member) => Promise<void>;
  /** Throws 403 when a feature switch turns "sharing" off for the member (CTL-2). */
  requireSharing?: (member: Member) => Promise<void>;
}

/** Every workspace route serves the signed-in member's own things; the permission check reads this. */
export const own = { permission: "conversations.use" } as const;

export type MemberOf = (request: FastifyRequest, change: boolean) => Promise<Member>;

export function memberResolver(
  dependencies: Pick<WorkspaceRoutesDependencies, "sessions" | "users" | "secureCookies">,
): MemberOf {
  const { sessions, users, secureCookies } = dependencies;
  return async (request, change) => {
    const principal = change
      ? await requireSessionForChange(request, sessions, secureCookies)
      : await requireSession(request, sessions, secureCookies);
    const workspace = await users.defaultWorkspace(principal.organizationId);
    return { organizationId: principal.organizationId, workspaceId: workspace.id, userId: principal.userId };
  };
}

export function renderSummary(summary: ConversationSummary) {
  return {
    id: summary.id,
    title: summary.title,
    model: summary.model,
    created_at: summary.createdAt.toISOString(),
    updated_at: summary.updatedAt.toISOString(),
    kept_until: summary.keptUntil?.toISOString() ?? null,
    pinned: summary.pinnedAt !== null,
  };
}

export function renderCitation(citation: Citation) {
  return {
    number: citation.number,
    document_id: citation.documentId,
    filename: citation.filename,
    page: citation.page,
    section: citation.section,
    passage: citation.passage,
  };
}

export function renderMessage(message: StoredMessage) {
  return {
    id: message.id,
    parent_id: message.parentId,
    role: message.role,
    content: message.content,
    model: message.model,
    usage: message.usage,
    stopped: message.stopped,
    citations: (message.citations ?? []).map(renderCitation),
    created_at: message.createdAt.toISOString(),
  };
}
