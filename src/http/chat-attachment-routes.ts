// A conversation's attachments in the chat workspace (issue 20): upload (multipart, one file), list and
// remove. The member must own the conversation; the file_upload switch (CTL-2) is checked before the
// body is read. Answers in the conversation then draw on the attachments and cite them.
import multipart from "@fastify/multipart";
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { DocumentRecord } from "../documents/document-types.ts";
import type { ConversationService } from "../workspace/conversation-service.ts";
import { uploadedFile, type DocumentRoutesDependencies } from "./knowledge-routes.ts";
import { own } from "./workspace-route-support.ts";

export interface ChatAttachmentRoutesDependencies extends DocumentRoutesDependencies {
  conversations: ConversationService;
}

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const DocumentId = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  documentId: Type.String({ minLength: 1, maxLength: 100 }),
});

export function renderAttachment(document: DocumentRecord) {
  return {
    id: document.id,
    filename: document.filename,
    format: document.format,
    bytes: document.bytes,
    pages: document.pages,
    chunks: document.chunks,
    status: document.status,
    error: document.error,
    created_at: document.createdAt.toISOString(),
  };
}

export function chatAttachmentRoutes(dependencies: ChatAttachmentRoutesDependencies) {
  const { member, conversations, documents, maxBytes, requireUpload } = dependencies;
  return async function register(app: FastifyInstance): Promise<void> {
    await app.register(multipart, {
      limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 1 },
    });

    app.post<{ Params: Static<typeof Id> }>(
      "/api/conversations/:id/attachments",
      { schema: { params: Id }, config: own },
      async (request, reply) => {
        const caller = await member(request, true);
        await requireUpload(caller);
        await conversations.get(caller, request.params.id);
        const file = await uploadedFile(request, maxBytes);
        const document = await documents.attach(caller, request.params.id, file);
        return reply.code(201).send(renderAttachment(document));
      },
    );

    app.get<{ Params: Static<typeof Id> }>(
      "/api/conversations/:id/attachments",
      { schema: { params: Id }, config: own },
      async (request) => {
        const caller = await member(request, false);
        await conversations.get(caller, request.params.id);
        const attached = await documents.attachments(caller, request.params.id);
        return { data: attached.map(renderAttachment) };
      },
    );

    app.delete<{ Params: Static<typeof DocumentId> }>(
      "/api/conversations/:id/attachments/:documentId",
      { schema: { params: DocumentId }, config: own },
      async (request, reply) => {
        const caller = await member(request, true);
        await conversations.get(caller, request.params.id);
        await documents.detach(caller, request.params.id, request.params.documentId);
        return reply.code(204).send();
      },
    );
  };
}
